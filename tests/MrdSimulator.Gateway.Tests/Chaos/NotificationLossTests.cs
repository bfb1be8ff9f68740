using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

/// <summary>
/// Every Update a fault costs is recorded with its requestId (<c>/admin/chaos/drops</c>): dropped by a
/// notification fault, queued for or written to a stream a fault cut, or published while a fault kept the
/// user's stream away.
/// </summary>
public sealed class NotificationLossTests : IAsyncLifetime
{
    private const string Ready = "<Media><state>READY</state></Media>";
    private const string NotReady = "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";
    private readonly ChaosHarness _h = new(settings: new Dictionary<string, string?> { ["Chaos:DropsCapacity"] = "100" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task UpdatesPublishedBeforeACutStreamComesBackAreRecordedAgainstTheOutageThatCutIt()
    {
        using var agent = _h.Agent("1000");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "before")).StatusCode);
        await using var stream = await SseSession.OpenAsync(agent);
        await _h.AddAsync("""{"id":"nsd","kind":"rest.unavailable","duration":"10s"}""");
        await stream.Ended.WaitAsync(TimeSpan.FromSeconds(5));
        await _h.AdvanceAsync(TimeSpan.FromSeconds(10));

        // The side is back but the client has not reconnected yet.
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), Ready, "while-away")).StatusCode);

        var drop = await DropOfAsync("while-away");
        Assert.Equal((DropReasons.NoSession, "nsd", "rest.unavailable"), (drop.Reason, drop.FaultId, drop.FaultKind));
        Assert.Equal(("/finesse/api/User/1000/Media/5000", "READY", "/finesse/api/User/1000/Media"), (drop.Source, drop.State, drop.Node));
        Assert.DoesNotContain(_h.Engine.Drops(), d => d.RequestId == "before");

        await using var again = await SseSession.OpenAsync(agent);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), NotReady, "after-return");
        Assert.Contains("<requestId>after-return</requestId>", await again.NextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(_h.Engine.Drops(), d => d.RequestId == "after-return");
        Assert.Equal(1, Assert.Single(_h.Engine.Timeline().Windows, w => w.Id == "nsd").Undelivered);
    }

    [Fact]
    public async Task UpdatesWrittenJustBeforeAStreamIsResetAreListedAsPossiblyInFlight()
    {
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "written");
        Assert.Contains("<requestId>written</requestId>", await stream.NextAsync(), StringComparison.Ordinal);

        await _h.AddAsync("""{"id":"nsd","kind":"rest.unavailable","duration":"10s"}""");
        await stream.Ended.WaitAsync(TimeSpan.FromSeconds(5));

        var drop = await DropOfAsync("written");
        Assert.Equal((DropReasons.InFlight, "nsd", "sse"), (drop.Reason, drop.FaultId, drop.Transport));
    }

    [Fact]
    public async Task AFailoverUpdateThatFindsNoStreamIsRecordedWithItsSourceAndState()
    {
        using var agent = _h.Agent("1000");
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        await using (var stream = await SseSession.OpenAsync(agent))
        {
            await stream.NextAsync(TimeSpan.FromMilliseconds(300));
            await _h.AddAsync("""{"id":"nsd","kind":"rest.unavailable","duration":"5s"}""");
            await stream.Ended.WaitAsync(TimeSpan.FromSeconds(5));
        }

        await _h.AdvanceAsync(TimeSpan.FromSeconds(5));
        await _h.AddAsync("""{"id":"fo","kind":"failover","duration":"5s","sessionGrace":"0s"}""");

        var drop = await EventuallyAsync(() => _h.Engine.Drops().FirstOrDefault(d => d.RequestId is null && d.Reason == DropReasons.NoSession));
        Assert.Equal(("/finesse/api/User/1000/Media/5000", "WORK_NOT_READY"), (drop.Source, drop.State));
        Assert.Equal("nsd", drop.FaultId); // the stream was away because of the outage, not the failover
    }

    [Fact]
    public async Task TheDropsListPagesBySequenceFiltersByRequestIdPrefixAndCountsRingOverflow()
    {
        await _h.AddAsync("""{"id":"lossy","kind":"notification.drop","scope":{"users":["1000"]}}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "mine-0");
        for (var i = 1; i < 130; i++)
        {
            var id = (i % 2 == 0 ? "mine-" : "other-") + i;
            Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), i % 2 == 0 ? NotReady : Ready, id)).StatusCode);
        }

        // The last Updates are dropped (and recorded) after their 202s: wait for the records, then read them.
        await Eventually.TrueAsync(() => _h.Engine.DropsLast(1).Total == 130, "130 drop records");
        var all = await DropsAsync("since=0&limit=1000");
        Assert.Equal((130, 30, 100, 30, 130), (Long(all, "total"), Long(all, "overflowed"), Long(all, "capacity"), Long(all, "missed"), Long(all, "next")));
        var drops = all.GetProperty("drops").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(31, 100).Select(n => (long)n), drops.Select(d => d.GetProperty("sequence").GetInt64()));
        Assert.Equal("mine-30", drops[0].GetProperty("requestId").GetString());
        Assert.Equal(130, all.GetProperty("byReason").GetProperty("fault").GetInt64());

        var tail = await DropsAsync("since=125&limit=1000&requestIdPrefix=mine-");
        Assert.Equal(0, Long(tail, "missed"));
        Assert.Equal(["mine-126", "mine-128"], tail.GetProperty("drops").EnumerateArray().Select(d => d.GetProperty("requestId").GetString()));
        Assert.Equal(130, Long(tail, "next"));

        var page = await DropsAsync("since=30&limit=10");
        Assert.Equal((0, 40, 10), (Long(page, "missed"), Long(page, "next"), page.GetProperty("drops").GetArrayLength()));

        var newest = await DropsAsync("limit=3");
        Assert.Equal(["mine-128", "other-129"], newest.GetProperty("drops").EnumerateArray().Skip(1).Select(d => d.GetProperty("requestId").GetString()));
        Assert.Equal(130, _h.Engine.NotificationsDropped);
    }

    [Fact]
    public async Task UpdatesFaultsCostAreCountedPerReasonAndFaultKindOnMetrics()
    {
        using var agent = _h.Agent("1000");
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        await using (var stream = await SseSession.OpenAsync(agent))
        {
            await _h.AddAsync("""{"id":"nsd","kind":"rest.unavailable","duration":"1s"}""");
            await stream.Ended.WaitAsync(TimeSpan.FromSeconds(5));
        }

        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), Ready, "away-1");
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), NotReady, "away-2");
        await DropOfAsync("away-2");

        using var anonymous = _h.Factory.CreateClient();
        var metrics = await anonymous.GetStringAsync("/metrics");

        Assert.Matches("mrdsim_chaos_notifications_dropped[a-z_]*\\{(?=[^}]*reason=\"no-session\")(?=[^}]*kind=\"rest.unavailable\")[^}]*\\} 2", metrics);
    }

    private async Task<JsonElement> DropsAsync(string query)
    {
        using var response = await _h.Admin.GetAsync("/admin/chaos/drops?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static long Long(JsonElement json, string name) => json.GetProperty(name).GetInt64();

    /// <summary>A stream reports its losses when its request ends, a moment after the client saw it end.</summary>
    private Task<DroppedNotification> DropOfAsync(string requestId) =>
        EventuallyAsync(() => _h.Engine.Drops().FirstOrDefault(d => d.RequestId == requestId));

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        Assert.Fail("no such drop record");
        return null!;
    }
}
