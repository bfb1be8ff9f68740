using MrdSimulator.Domain.Directory;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.Grains.Simulation;
using Xunit.Abstractions;

namespace MrdSimulator.Grains.Tests.Simulation;

/// <summary>
/// Bots report what real-time hops add to their tasks in simulated time (docs/capacity.md, "Live time scaling"):
/// nothing on the discrete-event clock, where a hop takes no simulated time, and far more than the bound when a
/// scaled clock turns each real millisecond into seconds.
/// </summary>
public sealed class TimeDistortionTests(ITestOutputHelper output)
{
    private const int Bots = 5;
    private const double HandleSeconds = 30;

    [Fact]
    public async Task OnTheDiscreteEventClockBotTasksShowNoDistortion()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(silos: 1);
        await StartBotsAsync(silo.Client);
        await silo.SettleAsync();
        var generator = silo.Client.GetGrain<ITaskGeneratorGrain>(5000);
        await generator.StartAsync(new GeneratorProfile(120, "Chat_SS", MaxTasks: 40, Seed: 3));
        silo.SimulatedClock.RunUntil(TimeSpan.FromHours(2));

        var capacity = await silo.CapacityAsync(5000);
        Report(capacity);
        Assert.Equal(capacity.Handled, capacity.TimedTasks);
        Assert.True(capacity.TimedTasks >= 30, $"only {capacity.TimedTasks} timed tasks");
        Assert.InRange(capacity.MeanOfferLagSeconds!.Value, -1e-3, 1e-3);
        Assert.InRange(capacity.MaxOfferLagSeconds!.Value, -1e-3, 1e-3);
        Assert.InRange(capacity.MeanHandleInflationSeconds!.Value, -1e-3, 1e-3);
        Assert.InRange(capacity.MaxHandleInflationSeconds!.Value, -1e-3, 1e-3);
        Assert.InRange(capacity.MeanTimerLatenessSeconds!.Value, 0, 1e-3);

        // The bots meant their sampled handle times plus the 10 s wrap-up; the Media grain saw that plus the 2 s accept delay.
        Assert.InRange(capacity.AverageHandleSeconds - capacity.MeanIntendedHandleSeconds!.Value - 2, -1e-3, 1e-3);
        Assert.False(capacity.TimeDistortionExceedsBound);
    }

    [Fact]
    public async Task AtALargeTimeScaleRealTimeHopsShowAsDistortionBeyondTheBound()
    {
        // 2000 simulated seconds per real second: a task's 40 s of intended work is 20 ms of real time, and the
        // bound (1 % of it, 0.4 s) is 0.2 ms — less than any Update delivery, grain call or timer dispatch takes.
        await using var cluster = await SimulatorCluster.StartAsync(DemoDirectory.Create(20, supervisors: 0), new ScaledTimeProvider(2000), silos: 1);
        await StartBotsAsync(cluster.Client);
        await cluster.Client.GetGrain<ITaskGeneratorGrain>(5000).StartAsync(new GeneratorProfile(60, "Chat_SS", MaxTasks: 30, Seed: 3));

        CapacitySnapshot capacity;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            capacity = await cluster.Client.GetGrain<IMrdStatsGrain>(5000).GetCapacityAsync();
        }
        while (capacity.TimedTasks < 10 && DateTime.UtcNow < deadline);

        Report(capacity);
        Assert.True(capacity.TimedTasks >= 10, $"only {capacity.TimedTasks} timed tasks in 30 s");
        Assert.True(capacity.MeanOfferLagSeconds > 0, "offer lag");
        Assert.True(capacity.MeanHandleInflationSeconds > 0, "handle inflation");
        Assert.True(capacity.MeanTimerLatenessSeconds > 0, "timer lateness");
        Assert.True(capacity.MaxHandleInflationSeconds >= capacity.MeanHandleInflationSeconds);
        Assert.True(capacity.TimeDistortionExceedsBound, $"distortion {capacity.TimeDistortion:P2} is within the bound");
    }

    private static async Task StartBotsAsync(IGrainFactory grains)
    {
        for (var i = 0; i < Bots; i++)
        {
            var user = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var profile = new BotProfile(MaxDialogLimit: 1, MeanHandleSeconds: HandleSeconds, BreakProbability: 0, Seed: 10 + i);
            Assert.True(await grains.GetGrain<IBotGrain>(new MediaGrainKey(user, 5000).ToString()).StartAsync(profile));
        }
    }

    private void Report(CapacitySnapshot c) => output.WriteLine(FormattableString.Invariant(
        $"{c.TimedTasks} timed tasks: offer lag {c.MeanOfferLagSeconds:F4} s (max {c.MaxOfferLagSeconds:F4}), handle inflation {c.MeanHandleInflationSeconds:F4} s (max {c.MaxHandleInflationSeconds:F4}), timer lateness {c.MeanTimerLatenessSeconds:F4} s, intended {c.MeanIntendedHandleSeconds:F2} s, distortion {c.TimeDistortion:P3}"));
}
