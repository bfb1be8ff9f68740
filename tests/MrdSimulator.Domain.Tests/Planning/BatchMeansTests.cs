using MrdSimulator.Domain.Planning;
using Xunit.Abstractions;

namespace MrdSimulator.Domain.Tests.Planning;

public sealed class BatchMeansTests(ITestOutputHelper output)
{
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>How many of 1 000 intervals, each from a fresh sample, contain <paramref name="truth"/>.</summary>
    private static int Covered(double truth, Func<ConfidenceInterval> interval) =>
        Enumerable.Range(0, 1000).Count(_ => interval().Contains(truth));

    [Fact]
    public void BatchMeansMeanEqualsThePlainMean()
    {
        var random = new Random(1);
        var values = Enumerable.Range(0, 1000).Select(_ => random.NextDouble() * 100).ToArray();
        var interval = BatchMeans.Mean(values);
        Assert.Equal(values.Average(), interval.Mean, 12);
        Assert.Equal(20, interval.Batches);
        Assert.Equal(50, interval.BatchSize);
        Assert.Equal(0, interval.Dropped);
        Assert.True(interval.HalfWidth > 0);
        Assert.True(interval.Contains(interval.Mean) && interval.Lower < interval.Mean && interval.Upper > interval.Mean);
    }

    [Fact]
    public void BatchMeansDropsTheRemainderFromTheStart()
    {
        // 1 007 values in 20 batches of 50: the first 7 are dropped, so a huge value there does not count.
        var values = Enumerable.Repeat(1e9, 7).Concat(Enumerable.Range(0, 1000).Select(i => (double)(i % 10))).ToArray();
        var interval = BatchMeans.Mean(values);
        Assert.Equal(7, interval.Dropped);
        Assert.Equal(50, interval.BatchSize);
        Assert.Equal(4.5, interval.Mean, 12);
        Assert.Equal(0, interval.HalfWidth, 12); // every batch holds five full cycles of 0..9
    }

    [Fact]
    public void BatchMeansHalfWidthIsTheTIntervalOfTheBatchMeans()
    {
        // Four batches of two with means 1, 2, 3, 6: mean 3, s² = (4 + 1 + 0 + 9)/3, half-width t₃ · s/2.
        var interval = BatchMeans.Mean([0, 2, 1, 3, 3, 3, 5, 7], batches: 4);
        Assert.Equal(3, interval.Mean, 12);
        Assert.Equal(3.182446305 * Math.Sqrt(14.0 / 3) / 2, interval.HalfWidth, 8);
    }

    [Fact]
    public void BatchMeansCoversTheTrueMeanOfIidNormalsAbout95PercentOfTheTime()
    {
        var random = new Random(2024);
        var covered = Covered(5, () => BatchMeans.Mean(Enumerable.Range(0, 1000).Select(_ => 5 + 2 * Normal(random)).ToArray()));
        output.WriteLine($"covered {covered} of 1000");
        Assert.InRange(covered, 920, 980);
    }

    [Fact]
    public void BatchMeansIsWiderThanTheNaiveIntervalForAnAutocorrelatedSeries()
    {
        // AR(1) x_t = 0.9 x_{t−1} + ε_t, mean 0: the variance of its mean is (1 + φ)/(1 − φ) = 19 times the i.i.d.
        // figure, so the naive interval is ~√19 ≈ 4.4 times too narrow and misses the mean most of the time, while
        // batches of 1 000 (≈ 50 correlation times) are close to independent.
        var random = new Random(7);
        var batchCovered = 0;
        var naiveCovered = 0;
        var ratios = new List<double>();
        for (var repetition = 0; repetition < 200; repetition++)
        {
            var values = new double[20_000];
            var x = Normal(random) / Math.Sqrt(1 - 0.81); // start in the stationary distribution
            for (var i = 0; i < values.Length; i++)
            {
                x = 0.9 * x + Normal(random);
                values[i] = x;
            }

            var batch = BatchMeans.Mean(values);
            var naive = BatchMeans.Independent(values);
            Assert.Equal(naive.Mean, batch.Mean, 9);
            ratios.Add(batch.HalfWidth / naive.HalfWidth);
            batchCovered += batch.Contains(0) ? 1 : 0;
            naiveCovered += naive.Contains(0) ? 1 : 0;
        }

        output.WriteLine(FormattableString.Invariant($"half-width ratio median {ratios.Order().ElementAt(100):F2}; covered: batch {batchCovered}, naive {naiveCovered} of 200"));
        Assert.InRange(ratios.Order().ElementAt(100), 3.0, 6.0);
        Assert.True(ratios.Count(r => r > 1) >= 195);
        Assert.InRange(batchCovered, 176, 200);
        Assert.InRange(naiveCovered, 0, 120);
    }

    [Fact]
    public void RatioWithUnitDenominatorsIsTheBatchMean()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 999).Select(_ => random.NextDouble()).ToArray();
        var ones = Enumerable.Repeat(1.0, values.Length).ToArray();
        var ratio = BatchMeans.Ratio(values, ones);
        var mean = BatchMeans.Mean(values);
        Assert.Equal(mean.Mean, ratio.Mean, 12);
        Assert.Equal(mean.HalfWidth, ratio.HalfWidth, 12);
        Assert.Equal(mean.Dropped, ratio.Dropped);
    }

    [Fact]
    public void RatioCoversTheMeanWaitOfAnsweredTasksAbout95PercentOfTheTime()
    {
        // 70 % of tasks answered, an answered task's wait exponential with mean 10 s: the ratio of summed waits to
        // answered tasks estimates 10 s, and its interval should cover 10 about 95 % of the time.
        var random = new Random(11);
        var covered = Covered(10, () =>
        {
            var answered = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() < 0.7 ? 1.0 : 0.0).ToArray();
            var waits = answered.Select(a => a * -Math.Log(1 - random.NextDouble()) * 10).ToArray();
            return BatchMeans.Ratio(waits, answered);
        });
        output.WriteLine($"covered {covered} of 1000");
        Assert.InRange(covered, 920, 980);
    }

    [Fact]
    public void RatioIsUndefinedWhenNothingWasCounted()
    {
        var ratio = BatchMeans.Ratio(new double[40], new double[40]);
        Assert.True(double.IsNaN(ratio.Mean));
        Assert.True(double.IsNaN(ratio.HalfWidth));
    }

    [Fact]
    public void BatchMeansRejectsTooFewObservationsOrBatches()
    {
        Assert.Throws<ArgumentException>(() => BatchMeans.Mean(new double[19]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchMeans.Mean(new double[100], batches: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchMeans.Mean(new double[100], confidence: 1));
        Assert.Throws<ArgumentException>(() => BatchMeans.Mean([1, 2, double.NaN, 4], batches: 2));
        Assert.Throws<ArgumentException>(() => BatchMeans.Ratio(new double[40], new double[41]));
    }
}
