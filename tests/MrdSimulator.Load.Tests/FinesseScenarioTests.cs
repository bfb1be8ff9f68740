using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Reports;
using MrdSimulator.Load.Stats;
using MrdSimulator.Load.Thresholds;

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

    /// <summary>A retry policy quick enough for a test: pauses of 20–40, 40–80, 80–160, then 160–320 ms.</summary>
    private static readonly RetryPolicy Quick = new() { MaxAttempts = 3, InitialDelay = TimeSpan.FromMilliseconds(40), Multiplier = 2, MaxDelay = TimeSpan.FromMilliseconds(320), Jitter = 0.5 };

    private static async Task<RunResult> RunAsync(
        FakeFinesse fake, ScenarioSpec scenario, string load, string password = "password", long maxFail = 0, string httpClient = "lean", int timeoutMs = 1000,
        IReadOnlyList<Threshold>? thresholds = null)
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
            Thresholds = thresholds ?? [],
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

    [Fact]
    public async Task AnAgentRetriesA503ingTargetAfterGrowingJitteredPausesSoItsRequestsPerSecondStayBounded()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.RejectEvery = 1);
        var result = await RunAsync(
            fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1003", Mrds = [5000], Retry = Quick }, "keep-constant 4 3s",
            thresholds: [ThresholdParser.Parse("retries < 100000"), ThresholdParser.Parse("reset: gave_up > 0")]);

        Assert.Equal(4, fake.Refusals.Count);
        foreach (var (agent, arrivals) in fake.Refusals)
        {
            // The server's view: the pause before an agent's k-th next request is at least (1 − jitter) × min(max, initial × 2^(k−1)).
            var at = arrivals.ToArray();
            var pauses = at.Zip(at.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).ToList();
            for (var k = 1; k <= pauses.Count; k++)
            {
                var floor = (Quick.Ceiling(k) * (1 - Quick.Jitter)) - TimeSpan.FromMilliseconds(2);
                Assert.True(pauses[k - 1] >= floor, $"agent {agent}: pause {k} lasted {pauses[k - 1].TotalMilliseconds:0.#} ms, less than {floor.TotalMilliseconds} ms");
            }

            var capped = pauses.Skip(4).Select(p => p.TotalMilliseconds).ToList();
            Assert.True(capped.Count >= 4, $"agent {agent}: {pauses.Count} pauses");
            Assert.True(pauses.Take(2).Average(p => p.TotalMilliseconds) * 2 < capped.Average(), $"agent {agent}: pauses do not grow: {string.Join(", ", pauses.Select(p => p.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))}");
            Assert.True(capped.Max() - capped.Min() > 10, $"agent {agent}: capped pauses are not jittered: {string.Join(", ", capped)}");

            // Bounded: once the pause is capped no second holds more than 1 / ((1 − jitter) × maxDelay) requests, plus the one it starts with.
            var perSecond = at.Skip(4).Select(t => at.Count(u => u >= t && Stopwatch.GetElapsedTime(t, u) < TimeSpan.FromSeconds(1))).DefaultIfEmpty(0).Max();
            Assert.InRange(perSecond, 1, 1 + (int)(1 / (Quick.MaxDelay.TotalSeconds * (1 - Quick.Jitter))));
        }

        // Retries are their own steps; the step's own figures are first attempts only.
        var steps = result.Steps.ToDictionary(s => s.Step);
        foreach (var name in new[] { "reset", "sign-in" })
        {
            var first = steps[name];
            var retry = steps[name + StepRecorder.RetrySuffix];
            Assert.Equal(retry.Count, first.Retries);
            Assert.Equal(0, retry.Retries);
            Assert.All(first.StatusCodes.Concat(retry.StatusCodes), c => Assert.Equal(503, c.Code));
            // Every request went out MaxAttempts times and was given up on, but for those the run's end cut short (one per agent).
            Assert.InRange(first.GaveUp, first.Count - 4, first.Count);
            Assert.InRange(first.Retries, (first.Count - 4) * (Quick.MaxAttempts - 1), first.Count * (Quick.MaxAttempts - 1));
        }

        Assert.Equal(fake.Rejected, steps.Values.Where(s => s.Step.StartsWith("reset", StringComparison.Ordinal) || s.Step.StartsWith("sign-in", StringComparison.Ordinal)).Sum(s => s.Count));
        var retries = steps["reset"].Retries + steps["sign-in"].Retries;
        Assert.Equal(retries.ToString(CultureInfo.InvariantCulture), result.Thresholds[0].Actual);
        Assert.True(result.Thresholds.All(t => t.Passed), string.Join("; ", result.Thresholds));

        // Every report says it: a retry table (HTML, Markdown), the steps' retry columns (CSV) and figures (JSON).
        var folder = Path.Combine(Path.GetTempPath(), $"mrdload-retries-{Guid.NewGuid():N}");
        try
        {
            var files = ReportWriter.Write(result, folder, ["html", "md", "csv", "json"]);
            string Read(string ext) => File.ReadAllText(files.Single(f => f.EndsWith("." + ext, StringComparison.Ordinal)));
            var reset = steps["reset"];
            Assert.Contains("## Retries", Read("md"), StringComparison.Ordinal);
            Assert.Contains($"| shift | reset | {reset.Count} | {reset.Fail} | {reset.Retries} | {steps["reset.retry"].Fail} | {reset.GaveUp} |", Read("md"), StringComparison.Ordinal);
            Assert.Contains("<table id=\"retries\">", Read("html"), StringComparison.Ordinal);
            var csv = Read("csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.EndsWith(",retries,gave_up", csv[0], StringComparison.Ordinal);
            Assert.Contains(csv, l => l.Split(',')[4] == "reset.retry");
            Assert.EndsWith($",{reset.Retries},{reset.GaveUp}", csv.Single(l => l.Split(',')[4] == "reset"), StringComparison.Ordinal);
            using var json = JsonDocument.Parse(Read("json"));
            var jsonReset = json.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "reset");
            Assert.Equal(reset.Retries, jsonReset.GetProperty("retries").GetInt64());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WithRetriesOffAnAgentComesStraightBackAfterA503AndNothingIsRecordedAsARetry()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.RejectEvery = 1);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1003", Mrds = [5000], Retry = RetryPolicy.Off }, "keep-constant 4 1s");

        Assert.DoesNotContain(result.Steps, s => s.Step.EndsWith(StepRecorder.RetrySuffix, StringComparison.Ordinal));
        Assert.All(result.Steps, s => Assert.Equal((0L, 0L), (s.Retries, s.GaveUp)));
        // The storm the policy prevents: far more than the 4 × 7 a second the previous test allows once paced.
        Assert.True(fake.Rejected > 4 * 7 * 2, $"{fake.Rejected} requests in 1 s");
    }

    [Fact]
    public async Task ARefusedAttemptIsRetriedWithItsOwnRequestIdSoEveryAcceptedRequestGetsItsNotificationAndNoneIsLost()
    {
        await using var fake = await FakeFinesse.StartAsync(f => f.RejectEvery = 3);
        var result = await RunAsync(fake, new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = "1000-1002", Mrds = [5000, 5001], Cycles = 1, Retry = Quick }, "keep-constant 3 1500ms");

        var n = result.Notifications;
        Assert.Equal((0L, 0L, 0L, 0L), (n.Lost, n.Contradicting, n.Unexpected, n.Duplicated));
        Assert.Equal(n.Expected, n.Received);
        Assert.True(fake.Rejected > 10, $"{fake.Rejected} refused");
        // Each refused attempt was either sent again or, on the last attempt, given up on.
        Assert.Equal(fake.Rejected, result.Steps.Sum(s => s.Retries + s.GaveUp));
        Assert.True(result.Steps.Single(s => s.Step == "sign-in.notified").Ok > 3);
    }
}
