using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

/// <summary>What the correlator counts when the run's drain deadline cancels a virtual user mid-action.</summary>
public sealed class CancelledRequestTests
{
    private sealed class SilentSource : INotificationSource
    {
        public string Name => "silent";

        public Task SubscribeAsync(string userId, string password, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARequestCancelledBeforeItIsSentIsNotCountedAsALostNotification(bool leanHttp)
    {
        // Nothing listens on the port: the request must never be sent at all.
        await using var target = new FinesseTarget(
            new FinesseOptions { BaseUrl = new Uri($"http://127.0.0.1:{TestServers.FreePort()}"), NotificationTimeout = TimeSpan.FromMilliseconds(100), LeanHttp = leanHttp },
            new SilentSource());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var step = new StepRecorder("s", "ready");
        var notified = new StepRecorder("s", "ready.notified");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await target.ChangeAsync(target.Media("1000", 5000), MediaAction.Ready, null, Expectation.Success, step, notified, Untimed.Now, true, cancelled.Token));
        await Task.Delay(300); // longer than the notification timeout

        Assert.Equal(0, target.Correlator.PendingCount);
        Assert.Equal((0L, 0L), (target.Correlator.Notifications.Expected, target.Correlator.Notifications.Lost));
        Assert.Equal(0, notified.Fail.TotalCount + notified.Ok.TotalCount);
    }
}
