using System.Net;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Storage;
using static MrdSimulator.Gateway.Tests.Infrastructure.Wait;

namespace MrdSimulator.Gateway.Tests.Media;

public sealed class MailboxTests
{
    private const string Media = "/finesse/api/User/1234/Media/5001";

    [Fact]
    public async Task FullMailboxAnswers503AndLosesNothingAlreadyAccepted()
    {
        var storage = new GatedStorage();
        using var factory = new SimulatorFactory { Options = new SimulatorOptions { MailboxCapacity = 2 }, MediaStorage = storage };
        using var agent = factory.ClientFor("1234");
        await using var stream = await NotificationStream.OpenAsync(agent);

        // The first request holds the grain (its write waits at the gate); two more fill the mailbox.
        storage.Close();
        var first = agent.PutXmlAsync(Media, HttpExtensions.SignIn, "first");
        await storage.WaitForWriterAsync();
        // Queue them one after the other so their order in the mailbox is known.
        var second = agent.PutXmlAsync(Media, "<Media><state>READY</state></Media>", "second");
        await WaitUntil(() => factory.Silo.MediaGrains.QueueLength(new MediaGrainKey("1234", 5001)) == 1);
        var third = agent.PutXmlAsync(Media, "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>", "third");
        await WaitUntil(() => factory.Silo.MediaGrains.QueueLength(new MediaGrainKey("1234", 5001)) == 2);
        var queued = new[] { second, third };

        using var refused = await agent.PutXmlAsync(Media, "<Media><state>READY</state></Media>", "refused");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("<ErrorType>Service Unavailable</ErrorType>", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        storage.Open();
        Assert.Equal(HttpStatusCode.Accepted, (await first).StatusCode);
        Assert.All(await Task.WhenAll(queued), r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var updates = await stream.TakeAsync(3);
        Assert.Contains("<requestId>first</requestId>", updates[0], StringComparison.Ordinal);
        Assert.Contains("<requestId>second</requestId>", updates[1], StringComparison.Ordinal);
        Assert.Contains("<requestId>third</requestId>", updates[2], StringComparison.Ordinal);
        Assert.Contains("<reasonCodeId>1001</reasonCodeId>", await agent.GetStringAsync(Media), StringComparison.Ordinal);
    }

    /// <summary>Memory storage whose writes wait while the gate is closed: a slow database.</summary>
    private sealed class GatedStorage : IGrainStorage<MediaGrainKey, MediaState>
    {
        private readonly MemoryGrainStorage<MediaGrainKey, MediaState> _inner = new();
        private readonly TaskCompletionSource _writerWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GatedStorage() => _gate.SetResult();

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate.TrySetResult();

        public Task WaitForWriterAsync() => _writerWaiting.Task;

        public ValueTask<StoredState<MediaState>?> ReadAsync(MediaGrainKey key, CancellationToken cancellationToken = default) => _inner.ReadAsync(key, cancellationToken);

        public async ValueTask<long> WriteAsync(MediaGrainKey key, MediaState state, long expectedEtag, CancellationToken cancellationToken = default)
        {
            _writerWaiting.TrySetResult();
            await _gate.Task;
            return await _inner.WriteAsync(key, state, expectedEtag, cancellationToken);
        }
    }
}
