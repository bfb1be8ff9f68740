using MrdSimulator.Domain.Planning;
using MrdSimulator.Gateway.Planning;
using Xunit.Abstractions;

namespace MrdSimulator.Gateway.Tests.Planning;

/// <summary>
/// The planner against the textbook: the real routing path on the virtual clock must reproduce Erlang C for an M/M/N
/// queue and Erlang A with exponential patience, and its staffing search must land where the formula does. A routing
/// defect (a task offered out of turn, an agent left idle with work waiting, a cancel that loses a race) moves these
/// figures by more than the bounds; each bound is either met outright or the formula lies inside the run's own 95 %
/// interval, which must then be narrower than the bound. Speed is measured by load/bench/planner-accuracy.sh.
/// </summary>
[Collection(PlannerCollection.Name)]
public sealed class PlannerAccuracyTests(ITestOutputHelper output)
{
    private const int Agents = 20;
    private const double Handle = 300;

    [Theory]
    [InlineData(0.70)]
    [InlineData(0.85)]
    [InlineData(0.95)]
    public async Task WaitingProbabilityAndMeanWaitMatchErlangC(double load)
    {
        var result = await PlanCommand.PlanAsync(Model(load));
        var formula = result.Formula!.ErlangC;
        var f = result.Figures;
        Report(load, result, formula);

        Close(f.PWait, formula.PWait, absolute: 0.03);
        Close(f.MeanWaitSeconds, formula.MeanWaitSeconds, absolute: formula.MeanWaitSeconds * 0.10);
        Assert.InRange(f.Occupancy, load - 0.03, load + 0.03);
        Assert.Equal(0, f.Abandoned);
        Assert.Equal(f.Offered, f.Handled);
    }

    [Theory]
    [InlineData(0.95)]
    [InlineData(1.10)]
    public async Task AbandonmentAndWaitingProbabilityMatchErlangAWithExponentialPatience(double load)
    {
        var result = await PlanCommand.PlanAsync(Model(load) with { PatienceSeconds = 120 });
        var formula = result.Formula!.ErlangA!;
        var f = result.Figures;
        Report(load, result, formula);

        Close(f.AbandonedShare, formula.Abandoned, absolute: 0.03);
        Close(f.PWait, formula.PWait, absolute: 0.03);
        Assert.True(f.Abandoned > 0, "customers with two minutes' patience at this load give up");
        Assert.Equal(f.Offered, f.Handled + f.Abandoned);
    }

    [Fact]
    public async Task StaffingFor200PerHourAt80PercentIn30SecondsIsTheErlangCAnswer()
    {
        var options = new PlanOptions { TasksPerHour = 200, HandleSeconds = Handle, TargetServiceLevel = 0.8, ThresholdSeconds = 30, Tasks = PlanOptions.DefaultTasks };
        var result = await PlanCommand.PlanAsync(options);
        var staffing = result.Staffing!;
        foreach (var tried in staffing.Tried)
        {
            output.WriteLine($"{tried.Agents} agents: SL {tried.ServiceLevel.Value:P2} ({tried.ServiceLevel.Lower:P2}–{tried.ServiceLevel.Upper:P2})");
        }

        Assert.Equal(Staffing.SmallestAgents(new Workload(200, Handle), 0.8, 30), staffing.FormulaAgents);
        Assert.Equal(staffing.FormulaAgents, staffing.Agents);
        Assert.Contains(staffing.Tried, t => t.Agents == staffing.Agents - 1 && !StaffingSearch.Meets(t, options));
        Assert.Equal(staffing.Agents, result.Figures.Agents);
    }

    private static PlanOptions Model(double load) =>
        new() { Agents = Agents, TasksPerHour = load * Agents / Handle * 3600, HandleSeconds = Handle, Tasks = PlanOptions.DefaultTasks, Seed = 49 };

    /// <summary>Within the bound, or the formula inside the run's 95 % interval and that interval narrower than the bound.</summary>
    private static void Close(Estimate measured, double expected, double absolute)
    {
        var within = Math.Abs(measured.Value - expected) <= absolute;
        var covered = measured.Lower <= expected && expected <= measured.Upper && measured.HalfWidth < absolute;
        Assert.True(within || covered, $"measured {measured.Value:0.####} ({measured.Lower:0.####}–{measured.Upper:0.####}), formula {expected:0.####}, bound ±{absolute:0.####}");
    }

    private void Report(double load, PlanResult result, QueueFigures formula)
    {
        var f = result.Figures;
        output.WriteLine($"load {load:P0}: {f.Offered + f.WarmUpTasks} tasks in {result.Elapsed.TotalSeconds:0.0} s; P(wait) {f.PWait.Value:0.0000} ±{f.PWait.HalfWidth:0.0000} vs {formula.PWait:0.0000}; " +
            $"mean wait {f.MeanWaitSeconds.Value:0.00} ±{f.MeanWaitSeconds.HalfWidth:0.00} s vs {formula.MeanWaitSeconds:0.00} s; abandoned {f.AbandonedShare.Value:0.0000} vs {formula.Abandoned:0.0000}; occupancy {f.Occupancy:0.000} vs {formula.Occupancy:0.000}");
    }
}

/// <summary>Planner runs each take a core for seconds: they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PlannerCollection
{
    public const string Name = "Planner";
}
