using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Tests;

public sealed class LoadSimulationTests
{
    [Theory]
    [InlineData("keep-constant 50 30s", typeof(KeepConstant))]
    [InlineData("ramp-constant 10 5s", typeof(RampingConstant))]
    [InlineData("inject 100/s 30s", typeof(Inject))]
    [InlineData("inject 5/100ms 2s", typeof(Inject))]
    [InlineData("ramp-inject 200/s 10s", typeof(RampingInject))]
    [InlineData("inject-random 50..150/s 30s", typeof(InjectRandom))]
    [InlineData("pause 5s", typeof(Pause))]
    public void ParsesEveryLoadSimulation(string text, Type expected)
    {
        var sim = LoadSimulationParser.Parse(text);
        Assert.IsType(expected, sim);
        Assert.Equal(sim, LoadSimulationParser.Parse(sim.Describe()));
    }

    [Theory]
    [InlineData("inject -5/s 10s", "must not be negative")]
    [InlineData("inject 5000000/s 10s", "impossible")]
    [InlineData("inject-random 150..50/s 10s", "minimum rate must be below")]
    [InlineData("inject 10/20s 10s", "interval must not be longer")]
    [InlineData("keep-constant -1 10s", "copies must be between")]
    [InlineData("keep-constant 10 0s", "duration must be positive")]
    [InlineData("inject 10 10s", "is not a rate")]
    [InlineData("teleport 10 10s", "is not a load simulation")]
    public void RejectsImpossibleSimulationsWithTheReason(string text, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => LoadSimulationParser.Parse(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClosedAndOpenSimulationsCannotBeMixed()
    {
        var ex = Assert.Throws<FormatException>(() => LoadSimulationParser.ValidateTimeline(LoadSimulationParser.ParseList("keep-constant 5 1s; inject 5/s 1s")));
        Assert.Contains("cannot be mixed", ex.Message, StringComparison.Ordinal);
        LoadSimulationParser.ValidateTimeline(LoadSimulationParser.ParseList("keep-constant 5 1s; pause 1s; keep-constant 2 1s"));
    }

    private static List<double> Offsets(string load, ArrivalPattern pattern = ArrivalPattern.Uniform)
    {
        var schedule = new ArrivalSchedule(LoadSimulationParser.ParseList(load), pattern, 3);
        var offsets = new List<double>();
        while (schedule.TryNext(out var o))
        {
            offsets.Add(o);
        }

        return offsets;
    }

    [Fact]
    public void ConstantInjectionSpreadsArrivalsEvenly()
    {
        var offsets = Offsets("inject 100/s 2s");
        Assert.Equal(200, offsets.Count);
        Assert.Equal(0, offsets[0], 9);
        Assert.Equal(1.99, offsets[^1], 9);
        Assert.All(offsets.Zip(offsets.Skip(1)), p => Assert.Equal(0.01, p.Second - p.First, 9));
    }

    [Fact]
    public void RampingInjectionGrowsLinearlyFromThePreviousRate()
    {
        var offsets = Offsets("ramp-inject 100/s 2s; inject 100/s 1s");
        // Ramp 0→100/s over 2 s = 100 arrivals, then 100 more in the constant second.
        Assert.Equal(200, offsets.Count);
        Assert.Equal(50, offsets.Count(o => o < 1.414)); // N(t) = 25 t^2 reaches 50 at t = √2
        Assert.Equal(100, offsets.Count(o => o >= 2));
    }

    [Fact]
    public void FractionalRatesBelowOnePerSecondWork()
    {
        var offsets = Offsets("inject 1/4s 8s");
        Assert.Equal([0.0, 4.0], offsets);
    }

    [Fact]
    public void RandomInjectionStaysWithinItsRange()
    {
        var offsets = Offsets("inject-random 50..150/s 10s");
        for (var s = 0; s < 10; s++)
        {
            var inSecond = offsets.Count(o => o >= s && o < s + 1);
            Assert.InRange(inSecond, 49, 151);
        }
    }

    [Fact]
    public void PoissonArrivalsAverageTheRate()
    {
        var offsets = Offsets("inject 1000/s 5s", ArrivalPattern.Poisson);
        Assert.InRange(offsets.Count, 4800, 5200);
        Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.Second >= p.First));
    }

    [Fact]
    public void PauseProducesNoArrivals()
    {
        var offsets = Offsets("inject 10/s 1s; pause 2s; inject 10/s 1s");
        Assert.Equal(20, offsets.Count);
        Assert.DoesNotContain(offsets, o => o >= 1 && o < 3);
    }

    [Fact]
    public void ClosedTimelineRampsCopies()
    {
        var t = new ClosedTimeline(LoadSimulationParser.ParseList("ramp-constant 10 10s; keep-constant 10 5s; pause 1s"));
        Assert.Equal(0, t.CopiesAt(0));
        Assert.Equal(5, t.CopiesAt(5));
        Assert.Equal(10, t.CopiesAt(12));
        Assert.Equal(0, t.CopiesAt(15.5));
        Assert.Equal(TimeSpan.FromSeconds(16), t.Duration);
    }

    [Theory]
    [InlineData("1000-1004", 5)]
    [InlineData("1000,1234", 2)]
    [InlineData("1000-1001,1234", 3)]
    public void AgentFeedsParseRangesAndLists(string spec, int count) => Assert.Equal(count, AgentFeed.Parse(spec).Count);

    [Fact]
    public void AgentFeedReadsAFile()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "# agents\n1000\n1001, comment\n\n1234\n");
        var feed = AgentFeed.Parse("@" + path);
        Assert.Equal(["1000", "1001", "1234"], feed.Items);
        File.Delete(path);
    }
}
