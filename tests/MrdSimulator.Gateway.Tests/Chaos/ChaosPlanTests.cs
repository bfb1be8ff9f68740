using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.GrainInterfaces.Media;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class ChaosPlanTests
{
    private const string Requests = """
        seed: {SEED}
        faults:
          - { id: flaky, kind: rest.unavailable, probability: 0.15 }
          - { id: slow, kind: rest.latency, probability: 0.3, latency: { distribution: exponential, mean: 50ms } }
          - { id: boom, kind: rest.error, probability: 0.05, scope: { mrds: [5001] } }
          - { id: cco, kind: backend.error, error: E_ARM_STAT_CC_OFFLINE, operations: [login, ready], probability: 0.2 }
          - { id: lossy, kind: notification.drop, probability: 0.2 }
          - { id: twice, kind: notification.duplicate, probability: 0.1 }
        """;

    [Fact]
    public async Task TheSamePlanAndSeedReproduceTheSameFaultsAndAnotherSeedDoesNot()
    {
        var first = await RunAsync(42);
        var second = await RunAsync(42);
        var other = await RunAsync(43);

        Assert.True(first.Injections.Count > 30, $"only {first.Injections.Count} injections");
        Assert.Equal(first.Injections, second.Injections);
        Assert.Equal(first.Statuses, second.Statuses);
        Assert.NotEqual(first.Injections, other.Injections);
    }

    [Fact]
    public async Task APlanOpensAndClosesItsWindowsOnTheTimelineAndEndsInNormalService()
    {
        await using var h = new ChaosHarness();
        using var agent = h.Agent("1000");
        var started = await h.StartPlanAsync("""
            name: notification service down for 30 s
            seed: 7
            faults:
              - { id: down, kind: rest.unavailable, at: 10s, duration: 30s }
              - { id: slow, kind: rest.error, scope: { users: ["1019"] }, at: 0s, duration: 1m }
            """);
        Assert.Equal(60, started.GetProperty("plan").GetProperty("lengthSeconds").GetDouble());

        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("<status>OUT_OF_SERVICE</status>", await agent.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("<status>IN_SERVICE</status>", await agent.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        await h.AdvanceAsync(TimeSpan.FromSeconds(20));

        var timeline = await h.Admin.GetFromJsonAsync<JsonElement>("/admin/chaos/timeline");
        Assert.Equal("notification service down for 30 s", timeline.GetProperty("plan").GetProperty("name").GetString());
        var windows = timeline.GetProperty("windows").EnumerateArray().ToDictionary(w => w.GetProperty("id").GetString()!);
        Assert.Equal((10.0, 40.0, "ended"), (windows["down"].GetProperty("startOffsetSeconds").GetDouble(), windows["down"].GetProperty("endOffsetSeconds").GetDouble(), windows["down"].GetProperty("status").GetString()));
        Assert.Equal((0.0, 60.0), (windows["slow"].GetProperty("startOffsetSeconds").GetDouble(), windows["slow"].GetProperty("endOffsetSeconds").GetDouble()));
        Assert.Empty(h.Engine.Faults());
        using var put = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
    }

    [Fact]
    public async Task ClearingFaultsMidPlanReturnsToNormalServiceWithoutARestart()
    {
        await using var h = new ChaosHarness();
        using var agent = h.Agent("1000");
        await h.StartPlanAsync(Requests.Replace("{SEED}", "1", StringComparison.Ordinal).Replace("0.15", "1", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await agent.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);

        using var cleared = await h.Admin.DeleteAsync("/admin/faults");

        Assert.Equal(6, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cleared").GetInt32());
        await using var stream = await SseSession.OpenAsync(agent);
        for (var i = 0; i < 20; i++)
        {
            using var response = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), i % 2 == 0 ? HttpExtensions.SignIn : "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>", $"n{i}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.Equal(20, (await stream.DrainAsync()).Count);
        Assert.Null((await h.Admin.GetFromJsonAsync<JsonElement>("/admin/chaos/timeline")).GetProperty("plan").GetString());
    }

    [Fact]
    public async Task AfterAPlanWithFailoverEveryAgentMrdPairIsInAStateTheStateMachineCanReach()
    {
        await using var h = new ChaosHarness();
        await h.StartPlanAsync("""
            seed: 2024
            faults:
              - { kind: rest.unavailable, probability: 0.1, duration: 40s }
              - { kind: backend.error, error: E_ARM_STAT_LOGIN_TIMEOUT, probability: 0.2, duration: 40s }
              - { kind: backend.error, error: E_ARM_STAT_CC_OFFLINE, operations: [all], probability: 0.1, duration: 40s }
              - { kind: notification.drop, probability: 0.3, duration: 40s }
              - { kind: failover, at: 10s, duration: 5s, sessionGrace: 0s }
              - { kind: rest.reset, probability: 0.05, at: 20s, duration: 20s }
            """);
        var users = Enumerable.Range(1000, 8).Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var bodies = new[]
        {
            HttpExtensions.SignIn, "<Media><state>READY</state></Media>", "<Media><state>NOT_READY</state><reasonCodeId>1002</reasonCodeId></Media>",
            "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>", "<Media><routable>false</routable></Media>", "<Media><routable>true</routable></Media>",
        };
        var random = new Random(5);
        for (var step = 0; step < 6; step++)
        {
            await Task.WhenAll(users.Select(async user =>
            {
                using var client = h.Agent(user);
                for (var i = 0; i < 15; i++)
                {
                    int pick, mrd;
                    lock (random)
                    {
                        (pick, mrd) = (random.Next(bodies.Length), 5000 + random.Next(3));
                    }

                    try
                    {
                        using var _ = await client.PutXmlAsync(ChaosHarness.MediaUri(user, mrd), bodies[pick]);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                    {
                        // rest.reset.
                    }
                }
            }));
            await h.AdvanceAsync(TimeSpan.FromSeconds(7));
        }

        var reachable = ReachableStates();
        var grains = h.Factory.Grains;
        var signedIn = 0;
        foreach (var user in users)
        {
            var userSignedIn = false;
            foreach (var mrd in new[] { 5000, 5001, 5002 })
            {
                var state = await grains.GetMediaGrain(user, mrd).GetStateAsync();
                Assert.True(reachable.Contains(Project(state)), $"{user}/{mrd}: {state} is not reachable");
                userSignedIn |= state.IsSignedIn;
            }

            signedIn += userSignedIn ? 1 : 0;
        }

        Assert.Equal(signedIn, (await h.Engine.SignedInAgentsAsync()));
        Assert.True(h.Engine.InjectedOf(Domain.Chaos.FaultKind.Failover) > 0);
        Assert.Empty(h.Engine.Faults());
    }

    /// <summary>Every state the state machine can reach from a fresh agent with the requests above and failovers (breadth-first).</summary>
    private static HashSet<string> ReachableStates()
    {
        var mrd = DemoDirectory.Mrds.First(m => m.Id == 5001);
        var context = new MediaContext(mrd, true, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        MediaRequest[] requests =
        [
            MediaRequest.Login(10, InterruptAction.Accept, DialogLogoutAction.Close), MediaRequest.ChangeState(AgentState.Ready),
            MediaRequest.ChangeState(AgentState.NotReady, 1002), MediaRequest.ChangeState(AgentState.Logout, 2001),
            MediaRequest.SetRoutable(false), MediaRequest.SetRoutable(true),
        ];
        var seen = new HashSet<string>();
        var queue = new Queue<MediaState>([MediaState.Initial]);
        seen.Add(Project(MediaState.Initial));
        while (queue.TryDequeue(out var state))
        {
            var next = requests.Select(r => MediaStateMachine.Apply(state, r, context).State)
                .Append(MediaStateMachine.FailOver(state, AgentState.WorkNotReady, context.Now) with { MaxDialogLimit = state.IsSignedIn ? 0 : state.MaxDialogLimit, InterruptAction = state.IsSignedIn ? null : state.InterruptAction, DialogLogoutAction = state.IsSignedIn ? null : state.DialogLogoutAction });
            foreach (var n in next)
            {
                if (seen.Add(Project(n)))
                {
                    queue.Enqueue(n);
                }
            }
        }

        return seen;
    }

    private static string Project(MediaState s) =>
        $"{s.State}|{s.Availability}|{s.Routable}|{s.PendingRoutable}|{s.ReasonCodeId}|{s.MaxDialogLimit}|{s.InterruptAction}|{s.DialogLogoutAction}|{s.Interrupted}|{s.Dialogs.Length}";

    private static async Task<(List<string> Injections, List<int> Statuses)> RunAsync(int seed)
    {
        await using var h = new ChaosHarness();
        var users = new[] { "1000", "1001", "1002" };
        var clients = users.Select(h.Agent).ToList();
        var streams = new List<SseSession>();
        foreach (var client in clients)
        {
            streams.Add(await SseSession.OpenAsync(client));
        }

        await h.StartPlanAsync(Requests.Replace("{SEED}", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var statuses = new List<int>();
        // Latency waits on the simulator's clock: keep it moving while the requests run.
        using var stop = new CancellationTokenSource();
        var clock = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                h.Factory.Time.Advance(TimeSpan.FromMilliseconds(20));
                await Task.Delay(2);
            }
        });
        var bodies = new[] { HttpExtensions.SignIn, "<Media><state>READY</state></Media>", "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>", "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>" };
        foreach (var (user, client) in users.Zip(clients))
        {
            for (var i = 0; i < 40; i++)
            {
                using var response = await client.PutXmlAsync(ChaosHarness.MediaUri(user, 5000 + (i % 3)), bodies[i / 3 % 4], $"{user}-{i}");
                statuses.Add((int)response.StatusCode);
            }
        }

        await stop.CancelAsync();
        await clock;
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        clients.ForEach(c => c.Dispose());
        // Each fault's decisions in its own order: a notification fault decides when the Update reaches this process, a REST
        // fault when the next request does, so how two faults' decisions interleave is timing, not the plan.
        return ([.. h.Engine.Injections().OrderBy(i => i.FaultId, StringComparer.Ordinal).ThenBy(i => i.ScopeKey, StringComparer.Ordinal).ThenBy(i => i.Index)
            .Select(i => $"{i.FaultId} {i.ScopeKey}#{i.Index} {i.Detail}")], statuses);
    }
}
