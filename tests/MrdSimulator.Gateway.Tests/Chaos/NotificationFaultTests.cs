using System.Net;
using System.Text.RegularExpressions;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed partial class NotificationFaultTests : IAsyncLifetime
{
    private const string Ready = "<Media><state>READY</state></Media>";
    private const string NotReady = "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task DroppedUpdatesAreCountedAndListedWithTheirRequestIds()
    {
        await _h.AddAsync("""{"id":"lossy","kind":"notification.drop","scope":{"users":["1000"]}}""");
        using var agent = _h.Agent("1000");
        using var other = _h.Agent("1001");
        await using var stream = await SseSession.OpenAsync(agent);
        await using var otherStream = await SseSession.OpenAsync(other);

        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "lost-1")).StatusCode);
        await other.PutXmlAsync(ChaosHarness.MediaUri("1001", 5000), HttpExtensions.SignIn, "kept-1");

        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Contains("<requestId>kept-1</requestId>", await otherStream.NextAsync(), StringComparison.Ordinal);
        var drop = Assert.Single(_h.Engine.Drops());
        Assert.Equal(("lossy", "/finesse/api/User/1000/Media", "lost-1"), (drop.FaultId, drop.Node, drop.RequestId));
        Assert.Equal(1, _h.Engine.NotificationsDropped);

        await _h.ClearAsync();
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), Ready, "after-clear");
        Assert.Contains("<requestId>after-clear</requestId>", await stream.NextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelayedUpdatesArriveWhenTheSimulatorClockPassesTheDelay()
    {
        await _h.AddAsync("""{"kind":"notification.delay","delay":"5s"}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);

        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "late");
        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(300)));
        _h.Factory.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(200)));
        _h.Factory.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Contains("<requestId>late</requestId>", await stream.NextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClearingADelayFaultDeliversWhatItHeldAtOnce()
    {
        await _h.AddAsync("""{"kind":"notification.delay","delay":"1h"}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "held");

        await _h.ClearAsync();

        Assert.Contains("<requestId>held</requestId>", await stream.NextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicatedUpdatesArriveTheConfiguredNumberOfTimes()
    {
        await _h.AddAsync("""{"kind":"notification.duplicate","copies":3}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);

        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "thrice");

        var updates = await stream.DrainAsync();
        Assert.Equal(3, updates.Count);
        Assert.All(updates, u => Assert.Contains("<requestId>thrice</requestId>", u, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReorderedUpdatesSwapWithTheNextOnTheirNodeOrAreReleasedAfterMaxHold()
    {
        await _h.AddAsync("""{"kind":"notification.reorder","maxHold":"2s"}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);
        var uri = ChaosHarness.MediaUri("1000", 5000);

        await agent.PutXmlAsync(uri, HttpExtensions.SignIn, "r1");
        await agent.PutXmlAsync(uri, Ready, "r2");
        await agent.PutXmlAsync(uri, NotReady, "r3");
        await agent.PutXmlAsync(uri, Ready, "r4");
        await agent.PutXmlAsync(uri, NotReady, "r5");

        Assert.Equal(["r2", "r1", "r4", "r3"], (await stream.DrainAsync()).Select(RequestIdOf));
        _h.Factory.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("r5", RequestIdOf((await stream.NextAsync())!));
        Assert.Equal(3, _h.Engine.InjectedOf(FaultKind.NotificationReorder));
    }

    [Fact]
    public async Task EveryAcceptedRequestProducesItsUpdateOrACountedDrop()
    {
        await _h.StartPlanAsync("""
            seed: 99
            faults:
              - { kind: notification.drop, probability: 0.3 }
              - { kind: notification.duplicate, probability: 0.2 }
              - { kind: notification.delay, probability: 0.2, delay: { distribution: uniform, min: 100ms, max: 3s } }
              - { kind: notification.reorder, probability: 0.2, maxHold: 1s }
              - { kind: rest.unavailable, probability: 0.1 }
            """);
        var users = new[] { "1000", "1001", "1002", "1003" };
        var cycle = new[] { HttpExtensions.SignIn, Ready, NotReady, "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>" };
        var streams = new Dictionary<string, SseSession>();
        var clients = users.ToDictionary(u => u, _h.Agent);
        foreach (var user in users)
        {
            streams[user] = await SseSession.OpenAsync(clients[user]);
        }

        var accepted = new HashSet<string>();
        await Task.WhenAll(users.Select(async user =>
        {
            for (var i = 0; i < 40; i++)
            {
                var id = $"{user}-{i}";
                using var response = await clients[user].PutXmlAsync(ChaosHarness.MediaUri(user, 5000), cycle[i % 4], id);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    lock (accepted)
                    {
                        accepted.Add(id);
                    }
                }
                else
                {
                    // A refused request is retried so the cycle stays valid; the retry is a new request id.
                    i--;
                }
            }
        }));
        await _h.AdvanceAsync(TimeSpan.FromSeconds(5));

        var received = new HashSet<string>();
        foreach (var (_, stream) in streams)
        {
            foreach (var update in await stream.DrainAsync())
            {
                received.Add(RequestIdOf(update));
            }

            await stream.DisposeAsync();
        }

        var dropped = _h.Engine.Drops().Select(d => d.RequestId!).ToHashSet();
        Assert.Equal(160, accepted.Count);
        Assert.Empty(received.Except(accepted));
        Assert.Empty(received.Intersect(dropped));
        Assert.Equal(accepted.OrderBy(x => x), received.Union(dropped).OrderBy(x => x));
        Assert.Equal(_h.Engine.NotificationsDropped, dropped.Count);
        Assert.InRange(dropped.Count, 20, 80);
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }

    private static string RequestIdOf(string update) => RequestIdPattern().Match(update).Groups[1].Value;

    [GeneratedRegex("<requestId>([^<]*)</requestId>")]
    private static partial Regex RequestIdPattern();
}
