using MrdSimulator.Domain.Planning;
using Xunit.Abstractions;

namespace MrdSimulator.Domain.Tests.Planning;

public sealed class ErlangAFormulaTests(ITestOutputHelper output)
{
    private static QueueModel Model(double erlangs, int agents, double? patience, double threshold = 30, double handle = 300) =>
        new(new Workload(erlangs / handle * 3600, handle, patience), agents, threshold);

    [Fact]
    public void ErlangAApproachesErlangCAsPatienceGrows()
    {
        var erlangC = ErlangC.Evaluate(Model(17, 20, null));
        var previousGap = double.PositiveInfinity;
        foreach (var patience in new[] { 1e3, 1e4, 1e5, 1e6, 1e9 })
        {
            var erlangA = ErlangA.Evaluate(Model(17, 20, patience));
            var gap = Math.Abs(erlangA.PWait - erlangC.PWait) + Math.Abs(erlangA.ServiceLevel - erlangC.ServiceLevel)
                + Math.Abs(erlangA.MeanWaitSeconds / erlangC.MeanWaitSeconds - 1);
            Assert.True(gap < previousGap, $"patience {patience}: gap {gap} did not shrink from {previousGap}");
            previousGap = gap;
        }

        // The gap is first order in θ (1.3e−6 in P(wait) at 10⁸ s): at 10⁹ s it is below a millionth.
        var patient = ErlangA.Evaluate(Model(17, 20, 1e9));
        Assert.Equal(erlangC.PWait, patient.PWait, 1e-6);
        Assert.Equal(erlangC.ServiceLevel, patient.ServiceLevel, 1e-6);
        Assert.Equal(erlangC.MeanWaitSeconds, patient.MeanWaitSeconds, 1e-5 * erlangC.MeanWaitSeconds);
        Assert.Equal(erlangC.MeanWaitOfAnsweredSeconds, patient.MeanWaitOfAnsweredSeconds, 1e-5 * erlangC.MeanWaitSeconds);
        Assert.Equal(erlangC.Occupancy, patient.Occupancy, 1e-6);
        Assert.InRange(patient.Abandoned, 0, 1e-6);
    }

    [Theory]
    [InlineData(3.0, 5)]
    [InlineData(19.0, 20)]
    [InlineData(30.0, 20)]
    public void ErlangAWithPatienceEqualToHandleIsPoissonInSystem(double erlangs, int agents)
    {
        // With θ = μ every task in system leaves at rate μ, waiting or not: the chain is M/M/∞, so the number in
        // system is Poisson(A). Then P(wait) = P(J ≥ N), E[Q] = E[(J − N)⁺] and P(abandon) = θE[Q]/λ = E[(J − N)⁺]/A.
        var poisson = new double[agents + 400];
        var log = -erlangs;
        for (var j = 0; j < poisson.Length; j++)
        {
            poisson[j] = Math.Exp(log);
            log += Math.Log(erlangs / (j + 1));
        }

        var pWait = poisson.Skip(agents).Sum();
        var queued = poisson.Select((p, j) => p * Math.Max(0, j - agents)).Sum();

        var figures = ErlangA.Evaluate(Model(erlangs, agents, patience: 300, handle: 300));
        Assert.Equal(pWait, figures.PWait, 12);
        Assert.Equal(queued / erlangs, figures.Abandoned, 12);
        Assert.Equal(queued / (erlangs / 300), figures.MeanWaitSeconds, 1e-9 * figures.MeanWaitSeconds + 1e-12);
        Assert.Equal(poisson.Select((p, j) => p * Math.Min(j, agents)).Sum() / agents, figures.Occupancy, 12);
    }

    [Theory]
    [InlineData(3.3, 3, 200, 60)]
    [InlineData(2.0, 3, 50, 20)]
    [InlineData(9.0, 8, 600, 45)]
    public void ErlangAServiceLevelMatchesUniformisationOfTheTaggedTasksChain(double erlangs, int agents, double patience, double threshold)
    {
        // Independent of the closed form: the stationary chain summed directly, and for each k ahead the absorbing
        // chain (i ahead → i − 1 at Nμ + iθ, head → served at Nμ, tagged → abandoned at θ) solved by uniformisation.
        const double handle = 300;
        var mu = 1 / handle;
        var theta = 1 / patience;
        var lambda = erlangs * mu;
        var nMu = agents * mu;
        var states = agents + 80; // the terms fall faster than geometrically past N; 80 more is far below 1e−16
        var weights = new double[states];
        weights[0] = 1;
        for (var j = 1; j < states; j++)
        {
            weights[j] = weights[j - 1] * lambda / (j <= agents ? j * mu : nMu + (j - agents) * theta);
        }

        var total = weights.Sum();
        var serviceLevel = weights.Take(agents).Sum() / total;
        var answeredWait = 0.0;
        var answered = weights.Take(agents).Sum() / total;
        for (var j = agents; j < states; j++)
        {
            var k = j - agents;
            var (within, eventually) = TaggedTask(k, nMu, theta, threshold);
            serviceLevel += weights[j] / total * within;
            answered += weights[j] / total * eventually;
            answeredWait += weights[j] / total * eventually * Enumerable.Range(1, k + 1).Sum(i => 1 / (nMu + i * theta));
        }

        var figures = ErlangA.Evaluate(Model(erlangs, agents, patience, threshold, handle));
        Assert.Equal(serviceLevel, figures.ServiceLevel, 1e-10);
        Assert.Equal(1 - answered, figures.Abandoned, 1e-10);
        Assert.Equal(answeredWait / answered, figures.MeanWaitOfAnsweredSeconds, 1e-9 * figures.MeanWaitOfAnsweredSeconds);
    }

    /// <summary>P(served within t) and P(served eventually) for a task with k ahead, by uniformisation.</summary>
    private static (double Within, double Eventually) TaggedTask(int k, double nMu, double theta, double t)
    {
        // States 0..k = tasks ahead; k + 1 = served. Uniformisation rate: the fastest total exit rate.
        var rate = nMu + (k + 1) * theta;
        var probabilities = new double[k + 2];
        probabilities[k] = 1;
        var poisson = Math.Exp(-rate * t);
        var cdf = 0.0;
        var within = 0.0;
        for (var n = 0; cdf < 1 - 1e-15 && n < 100_000; n++)
        {
            within += poisson * probabilities[k + 1];
            cdf += poisson;
            poisson *= rate * t / (n + 1);
            var next = new double[k + 2];
            next[k + 1] = probabilities[k + 1];
            for (var i = 0; i <= k; i++)
            {
                var onward = (nMu + i * theta) / rate;
                next[i == 0 ? k + 1 : i - 1] += probabilities[i] * onward;
                next[i] += probabilities[i] * (1 - onward - theta / rate);
            }

            probabilities = next;
        }

        // Eventually: each step down is taken before the tagged task's patience with probability r_i/(r_i + θ).
        var eventually = 1.0;
        for (var i = 0; i <= k; i++)
        {
            eventually *= (nMu + i * theta) / (nMu + (i + 1) * theta);
        }

        return (within, eventually);
    }

    // The sample figures the capacity planner's documentation quotes (20 agents, 300 s handle, 120 s patience, 30 s
    // threshold), checked against 500 000 simulated tasks each: every figure must lie within two batch-means
    // half-widths (≈ 4 standard errors) of the simulation's mean.
    [Theory]
    [InlineData(0.95, 0.353859, 0.086402, 10.3682, 8.94624, 0.803743)]
    [InlineData(1.10, 0.561794, 0.156360, 18.7631, 17.0526, 0.646286)]
    public void ErlangAMatchesMonteCarloForTwentyAgentsWithTwoMinutePatience(double load, double pWait, double abandoned, double meanWait, double meanWaitOfAnswered, double serviceLevel)
    {
        const int agents = 20;
        var model = Model(load * agents, agents, patience: 120);
        var figures = ErlangA.Evaluate(model);
        output.WriteLine(FormattableString.Invariant($"load {load:P0}: {figures}"));
        Assert.True(figures.Stable);
        Assert.Equal(pWait, figures.PWait, 5e-6);
        Assert.Equal(abandoned, figures.Abandoned, 5e-6);
        Assert.Equal(meanWait, figures.MeanWaitSeconds, 5e-4);
        Assert.Equal(meanWaitOfAnswered, figures.MeanWaitOfAnsweredSeconds, 5e-4);
        Assert.Equal(serviceLevel, figures.ServiceLevel, 5e-6);

        var run = QueueSimulation.Run(agents, model.Workload.ArrivalsPerHour, 300, 120, 30, 500_000, seed: 20);
        const int warmUp = 10_000;
        T[] Steady<T>(T[] values) => values[warmUp..];
        void Within(ConfidenceInterval interval, double expected, string name)
        {
            output.WriteLine(FormattableString.Invariant($"  {name}: simulated {interval.Mean:G6} ± {interval.HalfWidth:G3}, formula {expected:G6}"));
            Assert.True(Math.Abs(interval.Mean - expected) <= 2 * interval.HalfWidth, $"{name}: simulated {interval.Mean} ± {interval.HalfWidth}, formula {expected}");
        }

        Within(BatchMeans.Mean(Steady(run.Waited)), figures.PWait, "P(wait)");
        Within(BatchMeans.Mean(Steady(run.Abandoned)), figures.Abandoned, "P(abandon)");
        Within(BatchMeans.Mean(Steady(run.Wait)), figures.MeanWaitSeconds, "mean wait");
        Within(BatchMeans.Ratio(Steady(run.AnsweredWait), Steady(run.Answered)), figures.MeanWaitOfAnsweredSeconds, "ASA");
        Within(BatchMeans.Mean(Steady(run.AnsweredInTime)), figures.ServiceLevel, "service level");
    }

    [Fact]
    public void ErlangAStaysFiniteForFiveHundredAgentsAtThreeTimesTheirLoad()
    {
        // Deep in overload every agent is busy, so answered = Nμ/λ = 1/3 of arrivals and the rest abandon; the queue
        // settles where abandonments θ·E[Q] take the excess λ − Nμ, so E[Q] ≈ (λ − Nμ)/θ and mean wait E[Q]/λ ≈
        // (1 − 1/3) × 120 s = 80 s.
        var figures = ErlangA.Evaluate(Model(1500, 500, patience: 120));
        Assert.True(figures.Stable);
        Assert.Equal(1, figures.PWait, 9);
        Assert.Equal(2.0 / 3, figures.Abandoned, 6);
        Assert.Equal(80, figures.MeanWaitSeconds, 1e-3);
        Assert.Equal(1, figures.Occupancy, 6);
        Assert.InRange(figures.ServiceLevel, 0, 1e-6);
        Assert.True(double.IsFinite(figures.MeanWaitOfAnsweredSeconds));

        var light = ErlangA.Evaluate(Model(480, 500, patience: 120));
        Assert.InRange(light.PWait, 0.05, 0.9);
        Assert.InRange(light.ServiceLevel, 0.5, 1);
        Assert.True(double.IsFinite(light.MeanWaitSeconds));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(15.0)]
    [InlineData(120.0)]
    public void ErlangAServiceLevelIsBetweenAnsweredAtOnceAndAnsweredEventually(double threshold)
    {
        var figures = ErlangA.Evaluate(Model(22, 20, patience: 90, threshold: threshold));
        Assert.InRange(figures.ServiceLevel, 1 - figures.PWait - 1e-12, 1 - figures.Abandoned + 1e-12);
        if (threshold == 0)
        {
            Assert.Equal(1 - figures.PWait, figures.ServiceLevel, 14);
        }
        else
        {
            Assert.True(figures.ServiceLevel > 1 - figures.PWait);
        }
    }

    [Fact]
    public void ErlangARefusesAQueueTooLongToSum()
    {
        // Patience of ~30 years against twice the load: the queue's mode is about 10¹⁰ tasks.
        Assert.Throws<ArgumentOutOfRangeException>(() => ErlangA.Evaluate(Model(40, 20, patience: 1e9)));
    }

    [Fact]
    public void ExpM1IsAccurateNearZero()
    {
        // Taylor: x + x²/2 + x³/6; the naive Math.Exp(x) − 1 is off in the 7th digit at 1e−10.
        Assert.Equal(1e-10 + 0.5e-20, ErlangA.ExpM1(1e-10), 1e-25);
        Assert.Equal(-1e-7 + 0.5e-14, ErlangA.ExpM1(-1e-7), 1e-21);
        Assert.NotEqual(Math.Exp(1e-10) - 1, ErlangA.ExpM1(1e-10), 1e-18);
        Assert.Equal(Math.E - 1, ErlangA.ExpM1(1), 15);
    }
}
