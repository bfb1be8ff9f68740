using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Domain.Tests.Planning;

public sealed class ErlangCFormulaTests
{
    private static QueueFigures Evaluate(double erlangs, int agents, double thresholdSeconds = 30, double handleSeconds = 300) =>
        ErlangC.Evaluate(new QueueModel(new Workload(erlangs / handleSeconds * 3600, handleSeconds), agents, thresholdSeconds));

    // Published values: 10 agents at 8 erlangs wait with probability ≈ 0.409 (the figure the Grains tests' Erlang C
    // helper was checked against); 10 servers at 6 erlangs ≈ 0.10 (a textbook exercise: 120 customers/h, 3 min
    // each, 10 assistants, "from the Erlang C curve the probability of waiting is about 0.10"); Erlang B for 30
    // lines at 25 erlangs ≈ 0.05 (the Erlang B example in Wolfram's queueing documentation).
    [Fact]
    public void ErlangCMatchesPublishedTableValue()
    {
        Assert.Equal(0.409, ErlangC.ProbabilityOfWait(10, 8), 3);
        Assert.Equal(0.409, Evaluate(8, 10).PWait, 3);
        Assert.Equal(0.10, ErlangC.ProbabilityOfWait(10, 6), 2);
        Assert.Equal(0.05, ErlangC.ErlangB(30, 25), 2);
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.5)]
    [InlineData(10, 8)]
    [InlineData(20, 16.6667)]
    [InlineData(30, 29.9)]
    public void ErlangCRecurrenceMatchesTheDirectSum(int agents, double erlangs)
    {
        // C = (A^N/N! · N/(N − A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N − A)), fine in doubles at this size.
        var sum = 0.0;
        var term = 1.0;
        for (var k = 0; k < agents; k++)
        {
            sum += term;
            term *= erlangs / (k + 1);
        }

        var top = term * agents / (agents - erlangs);
        Assert.Equal(top / (sum + top), ErlangC.ProbabilityOfWait(agents, erlangs), 12);
    }

    [Fact]
    public void ErlangCIsFiniteAndAccurateForFiveHundredAgents()
    {
        // A^N/N! overflows a double here (480^500/500!), so the direct sum is taken in log space relative to its
        // largest term.
        const int agents = 500;
        const double erlangs = 480;
        var logs = new double[agents + 1];
        for (var k = 1; k <= agents; k++)
        {
            logs[k] = logs[k - 1] + Math.Log(erlangs / k);
        }

        var max = logs.Max();
        var below = logs.Take(agents).Sum(l => Math.Exp(l - max));
        var top = Math.Exp(logs[agents] - max) * agents / (agents - erlangs);
        var expected = top / (below + top);

        var figures = Evaluate(erlangs, agents);
        Assert.True(figures.Stable);
        Assert.Equal(expected, figures.PWait, 10);
        Assert.InRange(figures.PWait, 0.1, 0.9);
        Assert.True(double.IsFinite(figures.MeanWaitSeconds));
    }

    [Theory]
    [InlineData(8, 10, 20)]
    [InlineData(16.6667, 21, 30)]
    [InlineData(95, 100, 60)]
    public void ErlangCWaitAndServiceLevelMatchTheStationaryChain(double erlangs, int agents, double threshold)
    {
        // Independent of the closed forms: a task finding j ≥ N in system waits for j − N + 1 completions at rate
        // Nμ, so E[W] = Σ π_j (j − N + 1)/(Nμ) and P(W > t) = Σ π_j P(Poisson(Nμt) ≤ j − N).
        const double handle = 300;
        var nMu = agents / handle;
        var logs = new List<double> { 0 };
        for (var j = 1; j < agents + 20_000; j++)
        {
            logs.Add(logs[^1] + Math.Log(erlangs / Math.Min(j, agents)));
        }

        var max = logs.Max();
        var weights = logs.Select(l => Math.Exp(l - max)).ToArray();
        var total = weights.Sum();
        var meanWait = 0.0;
        var late = 0.0;
        var poissonCdf = 0.0;
        var poissonTerm = Math.Exp(-nMu * threshold);
        for (var j = agents; j < weights.Length; j++)
        {
            var k = j - agents;
            poissonCdf += poissonTerm;
            poissonTerm *= nMu * threshold / (k + 1);
            var pi = weights[j] / total;
            meanWait += pi * (k + 1) / nMu;
            late += pi * poissonCdf;
        }

        var figures = Evaluate(erlangs, agents, threshold, handle);
        Assert.Equal(meanWait, figures.MeanWaitSeconds, 1e-9 * meanWait);
        Assert.Equal(1 - late, figures.ServiceLevel, 1e-10);
        Assert.Equal(figures.MeanWaitSeconds, figures.MeanWaitOfAnsweredSeconds);
        Assert.Equal(erlangs / agents, figures.Occupancy, 12);
        Assert.Equal(0, figures.Abandoned);
    }

    [Fact]
    public void ErlangCServiceLevelAtZeroThresholdIsOneMinusPWait()
    {
        var figures = Evaluate(8, 10, thresholdSeconds: 0);
        Assert.Equal(1 - figures.PWait, figures.ServiceLevel, 14);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(12.5, 10)]
    public void ErlangCOverloadIsReportedUnstableInsteadOfThrowing(double erlangs, int agents)
    {
        var figures = Evaluate(erlangs, agents);
        Assert.False(figures.Stable);
        Assert.Equal(1, figures.PWait);
        Assert.Equal(double.PositiveInfinity, figures.MeanWaitSeconds);
        Assert.Equal(double.PositiveInfinity, figures.MeanWaitOfAnsweredSeconds);
        Assert.Equal(0, figures.ServiceLevel);
        Assert.Equal(1, figures.Occupancy);
        Assert.Equal(erlangs, figures.OfferedErlangs, 12);
        Assert.True(Evaluate(erlangs, agents + 3).Stable);
    }

    [Fact]
    public void QueueingPicksErlangCWithoutPatienceAndErlangAWithIt()
    {
        var model = new QueueModel(new Workload(200, 300), 20, 30);
        Assert.Equal(ErlangC.Evaluate(model), Queueing.Evaluate(model));
        var impatient = model with { Workload = model.Workload with { PatienceSeconds = 60 } };
        Assert.Equal(ErlangA.Evaluate(impatient), Queueing.Evaluate(impatient));
        Assert.True(Queueing.Evaluate(impatient).Abandoned > 0);
    }

    [Fact]
    public void InputsOutsideTheirDomainAreRejected()
    {
        var ok = new Workload(200, 300);
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok with { ArrivalsPerHour = 0 }, 20, 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok with { HandleSeconds = -1 }, 20, 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok with { HandleSeconds = double.NaN }, 20, 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok with { PatienceSeconds = 0 }, 20, 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok, 0, 30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Queueing.Evaluate(new QueueModel(ok, 20, -1)));
        Assert.Throws<ArgumentException>(() => ErlangA.Evaluate(new QueueModel(ok, 20, 30)));
    }
}
