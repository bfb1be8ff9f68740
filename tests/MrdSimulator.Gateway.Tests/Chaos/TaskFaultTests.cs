using System.Net;
using System.Text;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class TaskFaultTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task ARonaStormRingsOffersOutAtOnceAndMakesTheAgentNotRoutable()
    {
        using var agent = _h.Agent("1000");
        await SignInReadyAsync(agent);
        await using var stream = await SseSession.OpenAsync(agent);
        await _h.AddAsync("""{"kind":"task.rona","scope":{"mrds":[5000]}}""");

        await SubmitAsync();

        var updates = await UntilAsync(stream, "CD_RING_NO_ANSWER");
        Assert.Contains(updates, u => u.Contains("<event>POST</event>", StringComparison.Ordinal));
        Assert.Contains("<routable>false</routable>", await agent.GetStringAsync(ChaosHarness.MediaUri("1000", 5000)), StringComparison.Ordinal);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.TaskRona));
    }

    [Fact]
    public async Task TaskExpiryEndsLiveDialogsWhenItsWindowOpens()
    {
        using var agent = _h.Agent("1000");
        await SignInReadyAsync(agent);
        await using var stream = await SseSession.OpenAsync(agent);
        await SubmitAsync();
        await UntilAsync(stream, "<event>POST</event>");

        await _h.AddAsync("""{"kind":"task.expire"}""");

        var updates = await UntilAsync(stream, "<event>DELETE</event>");
        Assert.DoesNotContain("CD_RING_NO_ANSWER", updates[^1], StringComparison.Ordinal);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.TaskExpire));
        Assert.DoesNotContain("<Dialog>", await agent.GetStringAsync("/finesse/api/User/1000/Media/5000/Dialogs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskExpiryAlsoDiscardsTasksStillWaitingInAQueueInScopeAsTheirTaskLifeWould()
    {
        var chat = await SubmitAsync("Chat_SS");
        var email = await SubmitAsync("Email_SS");
        using var ccp = _h.Factory.CreateClient();
        Assert.Contains("<status>queued</status>", await ccp.GetStringAsync(chat), StringComparison.Ordinal);

        await _h.AddAsync("""{"kind":"task.expire","scope":{"mrds":[5000]}}""");

        // The queue discards its tasks when the window opens; the contact hears of it through the outbox.
        var expired = "";
        await Eventually.TrueAsync(
            async () => (expired = await ccp.GetStringAsync(chat)).Contains("<statusReason>NOTIFICATION_MAX_TASK_LIFETIME_EXCEEDED</statusReason>", StringComparison.Ordinal),
            "the chat task's contact to say its task life was exceeded");
        Assert.Contains("<statusReason>NOTIFICATION_MAX_TASK_LIFETIME_EXCEEDED</statusReason>", expired, StringComparison.Ordinal);
        Assert.DoesNotContain("<status>queued</status>", expired, StringComparison.Ordinal);
        Assert.Contains("<status>queued</status>", await ccp.GetStringAsync(email), StringComparison.Ordinal);
        Assert.Equal(0, (await _h.Factory.Grains.GetGrain<GrainInterfaces.Tasks.IMrdQueueGrain>(5000).GetSnapshotAsync()).Queued);
        Assert.Equal(1, (await _h.Factory.Grains.GetGrain<GrainInterfaces.Tasks.IMrdQueueGrain>(5001).GetSnapshotAsync()).Queued);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.TaskExpire));
        Assert.Contains(_h.Engine.Injections(), i => i.ScopeKey == "queue-5000" && i.Detail.StartsWith("expire queued 5000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TaskExpiryWithAUserScopeLeavesQueuedTasksAlone()
    {
        var chat = await SubmitAsync("Chat_SS");

        await _h.AddAsync("""{"kind":"task.expire","scope":{"users":["1000"]}}""");

        using var ccp = _h.Factory.CreateClient();
        Assert.Contains("<status>queued</status>", await ccp.GetStringAsync(chat), StringComparison.Ordinal);
        Assert.Equal(0, _h.Engine.InjectedOf(FaultKind.TaskExpire));
    }

    private static async Task SignInReadyAsync(HttpClient agent)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), "<Media><state>READY</state></Media>")).StatusCode);
    }

    /// <summary>Submits a task to CCP; returns the contact's path.</summary>
    private async Task<string> SubmitAsync(string scriptSelector = "Chat_SS")
    {
        using var ccp = _h.Factory.CreateClient();
        using var response = await ccp.PostAsync("/ccp/task/feed/100", new StringContent($"<Task><name>Jane</name><title>Order</title><scriptSelector>{scriptSelector}</scriptSelector></Task>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.PathAndQuery;
    }

    /// <summary>Updates until one contains <paramref name="marker"/>, moving the simulator's clock so timers (offers, RONA) run.</summary>
    private async Task<List<string>> UntilAsync(SseSession stream, string marker)
    {
        var updates = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            _h.Factory.Time.Advance(TimeSpan.FromMilliseconds(100));
            await _h.Engine.SettleAsync();
            while (await stream.NextAsync(TimeSpan.FromMilliseconds(50)) is { } update)
            {
                updates.Add(update);
                if (update.Contains(marker, StringComparison.Ordinal))
                {
                    return updates;
                }
            }
        }

        Assert.Fail($"no Update with {marker}: {string.Join("\n", updates)}");
        return updates;
    }
}
