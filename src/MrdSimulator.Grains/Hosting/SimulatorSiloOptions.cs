namespace MrdSimulator.Grains.Hosting;

/// <summary>Where the grains keep their state.</summary>
public enum GrainStateStore
{
    /// <summary>This process, by reference (<see cref="Storage.InProcessGrainStorage"/>): the embedded single silo.</summary>
    InProcess,

    /// <summary>Orleans' memory storage (storage grains): correct across the silos of one process, as in test clusters.</summary>
    Memory,

    /// <summary>Redis, configured with the cluster (<see cref="ClusterHostingExtensions.UseSimulatorCluster(ISiloBuilder, ClusterConnection, System.Net.IPAddress, int, int)"/>).</summary>
    Redis,
}

/// <summary>How the silo runs the simulator's grains.</summary>
public sealed record SimulatorSiloOptions
{
    /// <summary>Calls that may wait for one grain before new ones are refused (503), Orleans' per-activation hard limit.</summary>
    public int MailboxCapacity { get; init; } = 1024;

    /// <summary>How long an activation may sit idle before it is deactivated (its state stays in storage).</summary>
    public TimeSpan CollectionAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; init; } = TimeSpan.FromMinutes(1);

    public GrainStateStore Store { get; init; } = GrainStateStore.InProcess;
}
