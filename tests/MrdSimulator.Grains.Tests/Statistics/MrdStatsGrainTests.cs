using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.Grains.Statistics;

namespace MrdSimulator.Grains.Tests.Statistics;

public sealed class MrdStatsGrainTests
{
    [Fact]
    public async Task TaskFiguresCarryTheCapacitySnapshotAndEveryWaitPerBucket()
    {
        await using var cluster = await SimulatorCluster.StartAsync();
        var stats = cluster.Client.GetGrain<IMrdStatsGrain>(5000);
        await stats.ApplyAsync(new MrdStatsDelta { Submitted = 4, Routed = 3, WithinThreshold = 2, WaitSeconds = [0, 4, 40], QueueLength = 1 });
        await stats.ApplyAsync(new MrdStatsDelta { Submitted = 1, Routed = 1, WaitSeconds = [7000], Abandoned = 1, QueueLength = 0 });

        var figures = await stats.GetTaskFiguresAsync();
        var capacity = await stats.GetCapacityAsync();

        Assert.Equal(capacity, figures.Capacity);
        Assert.Equal(WaitDistribution.Bounds.ToArray(), figures.WaitBounds.ToArray());
        Assert.Equal(figures.WaitBounds.Length + 1, figures.WaitCounts.Length);
        Assert.Equal(1, figures.WaitCounts[0]);
        Assert.Equal(1, figures.WaitCounts[WaitDistribution.Bounds.IndexOf(5)]);
        Assert.Equal(1, figures.WaitCounts[WaitDistribution.Bounds.IndexOf(45)]);
        Assert.Equal(1, figures.WaitCounts[^1]);
        Assert.Equal(7044, figures.WaitSeconds);
        Assert.Equal((5, 4, 1, 0), (capacity.Submitted, capacity.Offered, capacity.Abandoned, capacity.Queued));
        Assert.Equal(7044 / 4.0, capacity.AverageWaitSeconds);
        Assert.Equal(7000, capacity.P90WaitSeconds);
        Assert.Equal(2 / 5.0, capacity.ServiceLevel);
    }
}
