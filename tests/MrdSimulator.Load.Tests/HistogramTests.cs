using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

public sealed class HistogramTests
{
    private static long Exact(long[] sorted, double percentile)
    {
        var rank = (long)Math.Ceiling(percentile / 100.0 * sorted.Length - 1e-9);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void PercentilesMatchExactValuesWithinThreeSignificantDigits(int seed)
    {
        var random = new Random(seed);
        var samples = new long[200_000];
        for (var i = 0; i < samples.Length; i++)
        {
            // Log-normal-ish latencies from a few µs to minutes.
            samples[i] = Math.Max(1, (long)Math.Exp(random.NextDouble() * 17));
        }

        var h = new LatencyHistogram();
        foreach (var s in samples)
        {
            h.Record(s);
        }

        Array.Sort(samples);
        foreach (var p in new[] { 0.1, 1, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 })
        {
            var exact = Exact(samples, p);
            var got = h.ValueAtPercentile(p);
            var relative = Math.Abs(got - exact) / (double)exact;
            Assert.True(relative <= 1.0 / 1024, $"p{p}: histogram {got} vs exact {exact} (relative error {relative:P4})");
        }

        Assert.Equal(samples[0], h.Min);
        Assert.Equal(samples[^1], h.Max);
        Assert.Equal(samples.Average(), h.Mean, 6);
        Assert.Equal(samples.Length, h.TotalCount);
    }

    [Fact]
    public void SmallValuesAreExact()
    {
        var h = new LatencyHistogram();
        for (long v = 1; v <= 2047; v++)
        {
            h.Record(v);
        }

        Assert.Equal(1024, h.ValueAtPercentile(50));
        Assert.Equal(2047, h.ValueAtPercentile(100));
        Assert.Equal(1, h.ValueAtPercentile(0));
    }

    [Fact]
    public void StdDevIsCloseToTheExactStandardDeviation()
    {
        var random = new Random(3);
        var samples = Enumerable.Range(0, 50_000).Select(_ => 1000 + (long)(random.NextDouble() * 50_000)).ToArray();
        var h = new LatencyHistogram();
        foreach (var s in samples)
        {
            h.Record(s);
        }

        var mean = samples.Average();
        var exact = Math.Sqrt(samples.Sum(s => (s - mean) * (s - mean)) / samples.Length);
        Assert.InRange(h.StdDev, exact * 0.995, exact * 1.005);
    }

    [Fact]
    public void MergedHistogramsEqualOneHistogramOfAllSamples()
    {
        var random = new Random(11);
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 20_000; i++)
        {
            var v = (long)(random.NextDouble() * 5_000_000);
            (i % 3 == 0 ? a : b).Record(v);
            all.Record(v);
        }

        var merged = new LatencyHistogram();
        merged.Add(a);
        merged.Add(b);
        Assert.Equal(all.TotalCount, merged.TotalCount);
        Assert.Equal(all.Min, merged.Min);
        Assert.Equal(all.Max, merged.Max);
        foreach (var p in new[] { 50.0, 90, 99, 99.9 })
        {
            Assert.Equal(all.ValueAtPercentile(p), merged.ValueAtPercentile(p));
        }

        Assert.Equal(all.Buckets().ToList(), merged.Buckets().ToList());
    }

    [Fact]
    public void DifferenceOfSnapshotsIsTheIntervalOnly()
    {
        var cumulative = new LatencyHistogram();
        for (var i = 0; i < 1000; i++)
        {
            cumulative.Record(100);
        }

        var before = cumulative.Clone();
        for (var i = 0; i < 500; i++)
        {
            cumulative.Record(90_000);
        }

        var interval = new LatencyHistogram();
        interval.SetToDifference(cumulative, before);
        Assert.Equal(500, interval.TotalCount);
        Assert.InRange(interval.ValueAtPercentile(50), 89_900, 90_100);
        Assert.InRange(interval.Mean, 89_999, 90_001);
    }

    [Fact]
    public void ValuesBeyondTenMinutesAreClampedNotLost()
    {
        var h = new LatencyHistogram();
        h.Record(LatencyHistogram.HighestTrackableMicros * 3);
        h.Record(-5);
        Assert.Equal(2, h.TotalCount);
        Assert.Equal(LatencyHistogram.HighestTrackableMicros, h.Max);
        Assert.Equal(0, h.Min);
    }

    [Fact]
    public void ConcurrentRecordingLosesNoSample()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 4, t =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                h.Record(1 + (i % 5000));
            }
        });
        Assert.Equal(400_000, h.TotalCount);
        Assert.Equal(400_000, h.Buckets().Sum(b => b.Count));
    }

    [Fact]
    public void TwoDigitHistogramIsSmallerAndStillWithinOnePercent()
    {
        var h2 = new LatencyHistogram(2);
        var h3 = new LatencyHistogram(3);
        Assert.True(h2.CountsLength * 4 < h3.CountsLength);
        var random = new Random(5);
        var samples = Enumerable.Range(0, 10_000).Select(_ => (long)(random.NextDouble() * 1_000_000) + 1).ToArray();
        foreach (var s in samples)
        {
            h2.Record(s);
        }

        Array.Sort(samples);
        var exact = Exact(samples, 99);
        Assert.InRange(h2.ValueAtPercentile(99), exact * 0.99, exact * 1.01);
    }
}
