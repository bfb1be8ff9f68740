using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

/// <summary>The built-in Finesse scenarios against a fake simulator that can inject notification faults.</summary>
public sealed class FinesseScenarioTests
{
    private sealed class CleanHook(FakeFinesse fake) : IRunObserver
    {
        public void OnPhase(string phase, string detail)
        {
            if (phase == "clean")
            {
                fake.Faults.Enabled = false;
            }
        }

        public void OnInterval(LiveSnapshot snapshot)
        {
        }
    }

    private static async Task<RunResult> RunAsync(FakeFinesse fake, ScenarioSpec scenario, string load, string password = "password", long maxFail = 0, string httpClient = "lean", int timeoutMs = 1000)
    {
        var spec = new RunSpec
        {
            HttpClient = httpClient,
            BaseUrl = fake.BaseUrl.ToString(),
            Password = password,
            NotificationTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            Scenarios = [scenario],
            Load = LoadSimulationParser.ParseList(load),
            ReportFormats = [],
            DrainTimeout = TimeSpan.FromSeconds(5),
            MaxFailCount = maxFail,
        };
        await using var built = RunBuilder.Build(spec);
        var engine = new LoadEngine(built.Options, new CleanHook(fake), built.Hooks);
        return await engine.RunAsync(built.Groups);
    }

    private static StepSummary Step(RunResult r, string name) => Assert.Single(r.Steps, s => s.Step == name);

    [Theory]
    [InlineData("lean")]
    [InlineData("sockets")]
    public async Task AgentShiftAgainstACorrectServerHasNoNotificationProblems(string httpClient)
    {
        await using var fake = await FakeFinesse.StartAsync();
        var result = await RunAsync(fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1004", Mrds = [5000, 5001], Cycles = 2 }, "keep-constant 5 1500ms", httpClient: httpClient);
        var n = result.Notifications;
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L), (n.Lost, n.Duplicated, n.OutOfOrder, n.Contradicting, n.Unexpected, n.Late));
        Assert.True(n.Received > 50, $"received {n.Received}");
        Assert.Equal(n.Expected, n.Received);
        Assert.True(n.ExpectedSilent > 0, "READY while READY must be counted as silent, not lost");
        foreach (var step in new[] { "sign-in", "sign-in.notified", "ready", "ready.notified", "ready-again", "not-ready", "not-ready.notified", "sign-out", "sign-out.notified" })
        {
            var s = Step(result, step);
            Assert.True(s.Count > 0 && s.Fail == 0, $"{step}: {s.Count} requests, {s.Fail} failed");
        }

        Assert.Equal(202, Assert.Single(Step(result, "sign-in").StatusCodes).Code);
        Assert.Equal(StatusCodes.Notified, Assert.Single(Step(result, "ready.notified").StatusCodes).Code);
        Assert.Null(result.AbortReason);
        for (var agent = 1000; agent <= 1004; agent++)
        {
            Assert.Equal("LOGOUT", fake.StateOf(agent.ToString(System.Globalization.CultureInfo.InvariantCulture), 5000)); // clean signed everyone out
        }
    }

    [Fact]
    public async Task CorrelationCountsInjectedMissingNotifications()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.DropEvery = 7);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "storm", Type = "state-storm", Agents = "1000-1009", Mrds = [5000] }, "keep-constant 10 1500ms", timeoutMs: 1500);
        Assert.True(fake.Dropped > 0);
        // On a busy machine a notification can also be merely late: it is then counted lost and late.
        Assert.Equal(fake.Dropped, result.Notifications.Lost - result.Notifications.Late);
        Assert.Equal(0, result.Notifications.Duplicated);
        var lost = result.Steps.Sum(s => s.StatusCodes.Where(c => c.Code == StatusCodes.NotificationLost).Sum(c => c.Count));
        Assert.Equal(result.Notifications.Lost, lost);
    }

    [Fact]
    public async Task CorrelationCountsInjectedDuplicatedNotifications()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.DuplicateEvery = 5);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "storm", Type = "state-storm", Agents = "1000-1009", Mrds = [5001] }, "keep-constant 10 1s");
        Assert.True(fake.Duplicated > 0);
        Assert.Equal(fake.Duplicated, result.Notifications.Duplicated);
        Assert.Equal(0, result.Notifications.Lost);
        Assert.Equal(0, result.Notifications.Contradicting);
    }

    [Fact]
    public async Task CorrelationDetectsInjectedContradictingNotifications()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.WrongStateEvery = 6);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "storm", Type = "state-storm", Agents = "1000-1009", Mrds = [5002] }, "keep-constant 10 1s");
        Assert.True(fake.WrongStates > 0);
        Assert.Equal(fake.WrongStates, result.Notifications.Contradicting);
        Assert.Equal(0, result.Notifications.Lost);
    }

    [Fact]
    public async Task HotPairAgainstACorrectServerKeepsOrder()
    {
        await using var fake = await FakeFinesse.StartAsync();
        var result = await RunAsync(fake, new ScenarioSpec { Name = "hot", Type = "hot-pair", Agents = "1234", Mrds = [5000] }, "keep-constant 8 1s");
        var n = result.Notifications;
        Assert.True(n.Received > 100, $"received {n.Received}");
        Assert.Equal((0L, 0L, 0L, 0L, 0L), (n.Lost, n.Duplicated, n.OutOfOrder, n.Contradicting, n.Unexpected));
        Assert.Equal(fake.Accepted - 3, n.Received + n.ExpectedSilent); // minus setup sign-out and sign-in, and clean's sign-out
    }

    [Fact]
    public async Task CorrelationDetectsInjectedOutOfOrderNotifications()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.ReorderEvery = 25);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "hot", Type = "hot-pair", Agents = "1234", Mrds = [5000] }, "keep-constant 8 1s");
        Assert.True(fake.Reordered > 0);
        Assert.InRange(result.Notifications.OutOfOrder, 1, fake.Reordered);
        Assert.Equal(0, result.Notifications.Lost);
    }

    [Fact]
    public async Task ANotificationForReadyWhileReadyIsReportedAsUnexpected()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.NotifyReadyWhileReady = true);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1001", Mrds = [5000], Cycles = 1 }, "keep-constant 2 1s");
        Assert.True(result.Notifications.Unexpected > 0);
        Assert.Equal(0, result.Notifications.ExpectedSilent);
    }

    [Fact]
    public async Task WrongPasswordFailsWithUnauthorizedAndStopsAtTheFailureLimit()
    {
        await using var fake = await FakeFinesse.StartAsync();
        var result = await RunAsync(fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1001", Mrds = [5000] }, "keep-constant 2 5s", password: "wrong", maxFail: 20);
        Assert.Contains("max fail count 20", result.AbortReason, StringComparison.Ordinal);
        Assert.Equal(401, Step(result, "subscribe").StatusCodes[0].Code);
    }
}
