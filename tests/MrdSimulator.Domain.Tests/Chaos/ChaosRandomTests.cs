using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Domain.Tests.Chaos;

public sealed class ChaosRandomTests
{
    [Fact]
    public void DrawsArePureFunctionsOfSeedScopeAndIndex()
    {
        var seed = ChaosRandom.FaultSeed(42, "f1");

        Assert.Equal(ChaosRandom.Unit(seed, "1001", 5), ChaosRandom.Unit(ChaosRandom.FaultSeed(42, "f1"), "1001", 5));
        Assert.NotEqual(ChaosRandom.Unit(seed, "1001", 5), ChaosRandom.Unit(seed, "1001", 6));
        Assert.NotEqual(ChaosRandom.Unit(seed, "1001", 5), ChaosRandom.Unit(seed, "1002", 5));
        Assert.NotEqual(ChaosRandom.Unit(seed, "1001", 5), ChaosRandom.Unit(ChaosRandom.FaultSeed(43, "f1"), "1001", 5));
        Assert.NotEqual(ChaosRandom.Unit(seed, "1001", 5, 0), ChaosRandom.Unit(seed, "1001", 5, 1));
    }

    [Fact]
    public void DrawsAreUniformEnoughForProbabilities()
    {
        var seed = ChaosRandom.FaultSeed(1, "p");
        var hits = 0;
        var min = 1.0;
        var max = 0.0;
        for (var n = 0; n < 100_000; n++)
        {
            var u = ChaosRandom.Unit(seed, "1000", n);
            hits += u < 0.05 ? 1 : 0;
            min = Math.Min(min, u);
            max = Math.Max(max, u);
        }

        Assert.InRange(hits, 4_700, 5_300);
        Assert.InRange(min, 0, 0.001);
        Assert.InRange(max, 0.999, 1);
    }

    [Fact]
    public void TheHashIsStableAcrossProcesses() =>
        // 64-bit FNV-1a of "1001", computed independently: a plan replays identically on any machine and .NET version.
        Assert.Equal(0x0D826AF0F88E4BD7UL, ChaosRandom.Hash("1001"));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m30s250ms", 90_250)]
    public void DurationsParse(string text, int ms)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("8d")]
    [InlineData("200h")]
    public void BadDurationsAreRefused(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void LatencyShapesSampleWithinTheirBounds()
    {
        var uniform = new Latency(LatencyShape.Uniform, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
        var normal = new Latency(LatencyShape.Normal, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        var exponential = new Latency(LatencyShape.Exponential, TimeSpan.FromMilliseconds(100));

        Assert.Equal(TimeSpan.FromMilliseconds(50), uniform.Sample(0, 0.3));
        Assert.Equal(TimeSpan.FromMilliseconds(275), uniform.Sample(0.5, 0.3));
        Assert.Equal(TimeSpan.FromMilliseconds(100), normal.Sample(1 - Math.Exp(-0.5), 0.25));
        Assert.Equal(TimeSpan.Zero, normal.Sample(0.999, 0.5));
        Assert.Equal(TimeSpan.Zero, exponential.Sample(0, 0.9));
        Assert.Equal(Latency.MaxDelay, exponential.Sample(1 - 1e-300, 0));
        var mean = Enumerable.Range(0, 20_000).Average(n => exponential.Sample(ChaosRandom.Unit(9, "x", n), 0).TotalMilliseconds);
        Assert.InRange(mean, 95, 105);
    }
}
