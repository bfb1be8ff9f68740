using MrdSimulator.Grains.Statistics;

namespace MrdSimulator.Grains.Tests.Statistics;

public sealed class WaitDistributionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(997)]
    [InlineData(20_000)]
    public void NinetiethPercentileIsTheNearestRankOfEveryWaitAsASortWouldGiveIt(int waits)
    {
        var random = new Random(waits);
        var distribution = new WaitDistribution(seed: 1);
        var all = new List<double>();
        for (var i = 0; i < waits; i++)
        {
            // Zeros, values exactly on bucket bounds, ordinary waits, and waits past the last bound.
            var wait = (i % 4) switch
            {
                0 => 0,
                1 => WaitDistribution.Bounds[random.Next(WaitDistribution.Bounds.Length)],
                2 => Math.Round(random.NextDouble() * 120, 3),
                _ => 3600 + (random.NextDouble() * 100),
            };
            all.Add(wait);
            distribution.Add(wait);
            if (i % 97 == 0)
            {
                Assert.Equal(SortedNearestRank(all), distribution.P90);
            }
        }

        Assert.Equal(SortedNearestRank(all), distribution.P90);
    }

    [Fact]
    public void BucketsCountEveryWaitWithInclusiveUpperBoundsAndTheSumAddsThemUp()
    {
        var distribution = new WaitDistribution(seed: 1);
        foreach (var wait in new[] { 0, 0.5, 0.5001, 30, 3600, 3600.5 })
        {
            distribution.Add(wait);
        }

        var counts = distribution.Counts;
        Assert.Equal(WaitDistribution.Bounds.Length + 1, counts.Length);
        Assert.Equal(1, counts[WaitDistribution.Bounds.IndexOf(0)]);
        Assert.Equal(1, counts[WaitDistribution.Bounds.IndexOf(0.5)]);
        Assert.Equal(1, counts[WaitDistribution.Bounds.IndexOf(1)]);
        Assert.Equal(1, counts[WaitDistribution.Bounds.IndexOf(30)]);
        Assert.Equal(1, counts[WaitDistribution.Bounds.IndexOf(3600)]);
        Assert.Equal(1, counts[^1]);
        Assert.Equal(6, counts.Sum());
        Assert.Equal(6, distribution.Count);
        Assert.Equal(0 + 0.5 + 0.5001 + 30 + 3600 + 3600.5, distribution.Sum, precision: 9);
    }

    [Fact]
    public void PastTheSampleCapThePercentileFollowsLaterWaitsInsteadOfFreezingOnTheFirstMillion()
    {
        var distribution = new WaitDistribution(seed: 5000);
        for (var i = 0; i < WaitDistribution.MaxSamples; i++)
        {
            distribution.Add(1);
        }

        Assert.Equal(1, distribution.P90);

        // Two thirds of all waits are now 100 s: a percentile of the first million alone would still say 1 s.
        for (var i = 0; i < 2 * WaitDistribution.MaxSamples; i++)
        {
            distribution.Add(100);
        }

        Assert.Equal(100, distribution.P90);
        Assert.Equal(3L * WaitDistribution.MaxSamples, distribution.Count);
        Assert.Equal(2L * WaitDistribution.MaxSamples, distribution.Counts[WaitDistribution.Bounds.IndexOf(120)]);
    }

    // What GetCapacityAsync computed before waits were bucketed: sort everything, take rank ⌈0.9·n⌉.
    private static double SortedNearestRank(List<double> waits)
    {
        var sorted = waits.ToArray();
        Array.Sort(sorted);
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(0.9 * sorted.Length) - 1)];
    }
}
