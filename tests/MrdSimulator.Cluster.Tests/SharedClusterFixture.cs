namespace MrdSimulator.Cluster.Tests;

/// <summary>One cluster of 3 silos and 2 gateways for the tests that leave it as they found it (starting one costs seconds).</summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync(silos: 3, gateways: 2);

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "shared local cluster";
}
