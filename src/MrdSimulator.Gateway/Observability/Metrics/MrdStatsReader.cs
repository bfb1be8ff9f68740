using MrdSimulator.Domain.Directory;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>Reads every non-voice MRD's statistics grain for the metrics (<see cref="AgentCensus"/>, <see cref="TaskCensus"/>).</summary>
/// <param name="localSilo">The co-hosted silo's outbox, flushed first so a reading includes what this process just did.</param>
public sealed class MrdStatsReader(IGrainFactory grains, SimulatorDirectory directory, GrainOutbox? localSilo = null)
{
    public IReadOnlyList<MediaRoutingDomain> Mrds => directory.NonVoiceMrds;

    /// <summary>One answer per MRD of <see cref="Mrds"/>, in its order.</summary>
    public async Task<T[]> ReadAsync<T>(Func<IMrdStatsGrain, ValueTask<T>> read)
    {
        if (localSilo is not null)
        {
            await localSilo.FlushStatsAsync();
        }

        return await Task.WhenAll(Mrds.Select(m => read(grains.Get<IMrdStatsGrain>(m.Id)).AsTask()));
    }
}
