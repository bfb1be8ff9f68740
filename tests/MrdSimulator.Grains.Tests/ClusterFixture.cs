namespace MrdSimulator.Grains.Tests;

/// <summary>One two-silo cluster for a test class whose tests use distinct agents.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public SimulatorCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await SimulatorCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
