namespace MrdSimulator.GrainInterfaces.Diagnostics;

/// <summary>Readiness: a grain that reads its state from the grains' storage on every probe.</summary>
[Alias("IStorageProbeGrain")]
public interface IStorageProbeGrain : IGrainWithIntegerKey
{
    [Alias("Probe")]
    ValueTask ProbeAsync();
}
