using System.Text.Json;
using MrdSimulator.Gateway.Planning;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Planning;

/// <summary>The <c>plan</c> verb as a user meets it: one command, an answer with its confidence and the formula beside it.</summary>
[Collection(PlannerCollection.Name)]
public sealed class PlanCommandTests
{
    [Fact]
    public async Task PlanVerbPrintsOneJsonObjectWithTheFiguresTheirIntervalsAndErlangC()
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync("plan", "--agents", "20", "--task-rate", "200", "--handle-time", "300", "--tasks", "4000", "--json");

        Assert.True(exitCode == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        foreach (var field in new[] { "offered", "handled", "abandoned", "pWait", "meanWaitSeconds", "serviceLevel", "serviceLevelThresholdSeconds", "occupancy" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(field).ValueKind);
        }

        Assert.Equal(3600, root.GetProperty("offered").GetInt32()); // 4,000 less the 10 % warm-up
        Assert.Equal(30, root.GetProperty("serviceLevelThresholdSeconds").GetDouble());
        var pWait = root.GetProperty("confidenceIntervals").GetProperty("pWait");
        Assert.True(pWait.GetProperty("low").GetDouble() <= root.GetProperty("pWait").GetDouble());
        Assert.True(pWait.GetProperty("high").GetDouble() >= root.GetProperty("pWait").GetDouble());
        Assert.InRange(root.GetProperty("erlangC").GetProperty("pWait").GetDouble(), 0.30, 0.36); // C(20, 16.67) = 0.338
        Assert.Equal(JsonValueKind.Null, root.GetProperty("erlangA").ValueKind);
    }

    [Fact]
    public async Task PlanHelpListsEverySwitchAndTheSimulatorsHelpPointsToIt()
    {
        var output = new StringWriter();

        Assert.Equal(0, await PlanCommand.RunAsync(["--help"], output, TextWriter.Null));

        Assert.All(PlanCommandLine.Help, h => Assert.Contains(h.Switch, output.ToString(), StringComparison.Ordinal));
        Assert.Contains("-- plan [switches]", Configuration.CommandLineSwitches.Usage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameAnswerAndAnotherSeedAnother()
    {
        var options = new PlanOptions { Agents = 5, TasksPerHour = 50, HandleSeconds = 300, Tasks = 2000, PatienceSeconds = 60, Seed = 11 };

        var first = Answer(await PlanCommand.PlanAsync(options));
        var again = Answer(await PlanCommand.PlanAsync(options));
        var other = Answer(await PlanCommand.PlanAsync(options with { Seed = 12 }));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("--agents 20", "--task-rate: the arrival rate is missing")]
    [InlineData("--agents 20 --task-rate 0", "--task-rate: 0 is outside (0,")]
    [InlineData("--agents 20 --task-rate 200 --handle-tme 300", "--handle-tme: unknown planner switch; did you mean --handle-time?")]
    [InlineData("--task-rate 200", "--agents: the number of agents is missing")]
    [InlineData("--agents 20 --task-rate 200 --target-service-level 80%", "--agents: a staffing search finds the number of agents")]
    [InlineData("--task-rate 200 --target-service-level 100%", "--target-service-level: 100% cannot be met")]
    [InlineData("--task-rate 200 --max-abandon 5%", "--max-abandon: customers give up only with --patience")]
    [InlineData("--agents 20 --task-rate 200 --tasks 1000 --duration 3600", "--tasks: a run is bounded by --tasks, --duration or --profile")]
    [InlineData("--agents 20 --task-rate 200 --handle-distribution gamma", "--handle-distribution: 'gamma' is not exponential, lognormal[:CV] or fixed")]
    [InlineData("--agents 20 --task-rate 200 --seed", "--seed: needs a value")]
    [InlineData("--agents 20 --agents 30 --task-rate 200", "--agents: given twice")]
    [InlineData("--agents 20 --profile /nonexistent/day.csv", "Could not find")]
    public async Task MistakesStopTheRunWithTheSwitchAtFault(string args, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = await PlanCommand.RunAsync(args.Split(' '), output, error);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task ArrivalsFollowTheProfileAndEachIntervalIsReportedWithItsFormula()
    {
        var profile = ArrivalProfiles.Parse("day.csv", "start,tasks per hour\n08:00,400\n08:15,1600\n08:30,0\n08:45,800\n");
        var options = new PlanOptions { Agents = 10, Profile = profile, HandleSeconds = 60, WarmUp = 0, Seed = 3 };

        var result = await PlanCommand.PlanAsync(options);

        var intervals = result.Figures.Intervals;
        Assert.Equal(4, intervals.Count);
        double[] expected = [100, 400, 0, 200]; // rate × a quarter of an hour
        for (var i = 0; i < 4; i++)
        {
            // Poisson counts: within four standard deviations (and exactly 0 where the rate is 0).
            Assert.InRange(intervals[i].Offered, expected[i] - 4 * Math.Sqrt(expected[i]), expected[i] + 4 * Math.Sqrt(expected[i]));
        }

        Assert.NotNull(result.IntervalFormulas[1]);
        Assert.Null(result.IntervalFormulas[2]);
        Assert.Contains("08:15", PlanTextReport.Render(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HtmlReportDrawsTheWaitDistributionTheQueueAndTheServiceLevelPerInterval()
    {
        var file = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.html");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var exitCode = await PlanCommand.RunAsync(["--agents", "4", "--task-rate", "40", "--handle-time", "300", "--tasks", "1000", "--html", file], output, error);

            Assert.True(exitCode == 0, error.ToString());
            var html = await File.ReadAllTextAsync(file);
            Assert.Contains("<svg id=\"waits\"", html, StringComparison.Ordinal);
            Assert.Contains("<svg id=\"queue\"", html, StringComparison.Ordinal);
            Assert.Contains("<svg id=\"service-level\"", html, StringComparison.Ordinal);
            Assert.Contains("Erlang C", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The JSON answer without the real time it took.</summary>
    private static string Answer(PlanResult result)
    {
        using var json = JsonDocument.Parse(PlanJsonReport.Render(result));
        return string.Join('\n', json.RootElement.EnumerateObject().Where(p => p.Name != "elapsedSeconds").Select(p => $"{p.Name}={p.Value.GetRawText()}"));
    }
}
