using System.Diagnostics.Metrics;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Agents per state per MRD, read from the MRDs' statistics grains (which every silo keeps up to date with the
/// changes its Media grains make) rather than counted on each request. Published as the gauge
/// <c>mrdsim.agents{mrd,state}</c>; the gauge reports the last count, refreshed at most once a second (<see cref="GrainReading{T}"/>).
/// </summary>
public sealed class AgentCensus : IGrainMetricSource, IDisposable
{
    public const string MeterName = "MrdSimulator.Agents";

    private static readonly AgentState[] States = Enum.GetValues<AgentState>();
    private readonly MrdStatsReader _stats;
    private readonly GrainReading<AgentCounts> _reading;

    public AgentCensus(MrdStatsReader stats, IMeterFactory meters)
    {
        _stats = stats;
        _reading = new GrainReading<AgentCounts>(RecountAsync, new AgentCounts([]));
        meters.Create(MeterName).CreateObservableGauge("mrdsim.agents", Observe, unit: "{agent}", description: "Agents per state per Media Routing Domain");
    }

    /// <summary>The last counts (possibly a second old; empty before the first refresh).</summary>
    public AgentCounts Last => _reading.Last;

    /// <summary>The counts, refreshed when older than a second.</summary>
    public Task<AgentCounts> CountAsync(CancellationToken cancellationToken = default) => _reading.GetAsync(cancellationToken);

    public Task RefreshAsync(CancellationToken cancellationToken) => CountAsync(cancellationToken);

    /// <summary>A fresh count from every MRD's statistics grain.</summary>
    public async Task<AgentCounts> RecountAsync()
    {
        var mrds = _stats.Mrds;
        var agents = await _stats.ReadAsync(g => g.GetAgentsAsync());
        var result = new List<MrdAgentCounts>(mrds.Count);
        for (var m = 0; m < mrds.Count; m++)
        {
            var byState = new Dictionary<AgentState, int>();
            foreach (var state in States)
            {
                var count = (int)state < agents[m].States.Length ? agents[m].States[(int)state] : 0;
                if (count != 0 || state == AgentState.Logout)
                {
                    byState[state] = count;
                }
            }

            result.Add(new MrdAgentCounts(mrds[m].Id, mrds[m].Name, agents[m].Assigned, byState));
        }

        return new AgentCounts(result);
    }

    public void Dispose() => _reading.Dispose();

    private IEnumerable<Measurement<long>> Observe()
    {
        foreach (var mrd in _reading.Observe().Mrds)
        {
            foreach (var (state, count) in mrd.States)
            {
                yield return new Measurement<long>(count, new("mrd", mrd.Id), new("state", state.ToWire()));
            }
        }
    }
}

public sealed record AgentCounts(IReadOnlyList<MrdAgentCounts> Mrds);

public sealed record MrdAgentCounts(int Id, string Name, int Assigned, IReadOnlyDictionary<AgentState, int> States)
{
    public int SignedIn => States.Where(s => s.Key.IsSignedIn()).Sum(s => s.Value);
}
