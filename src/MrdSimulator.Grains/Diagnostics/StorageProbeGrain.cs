using MrdSimulator.GrainInterfaces.Diagnostics;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Diagnostics;

[GenerateSerializer, Immutable, Alias("StorageProbeState")]
public sealed record StorageProbeState;

/// <summary>Answers only if the silo runs and its storage can be read now (not from an activation's cache).</summary>
[StatelessWorker]
public sealed class StorageProbeGrain([PersistentState("probe", StorageNames.Grains)] IPersistentState<StorageProbeState> state) : Grain, IStorageProbeGrain
{
    public async ValueTask ProbeAsync() => await state.ReadStateAsync();
}
