using System.Diagnostics.Metrics;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Agents per state per MRD, read from the MRDs' statistics grains (which every silo keeps up to date with the
/// changes its Media grains make) rather than counted on each request. Published as the gauge
/// <c>mrdsim.agents{mrd,state}</c>; the gauge reports the last count, refreshed at most once a second.
/// </summary>
public sealed class AgentCensus : IDisposable
{
    public const string MeterName = "MrdSimulator.Agents";

    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private static readonly AgentState[] States = Enum.GetValues<AgentState>();
    private readonly IGrainFactory _grains;
    private readonly SimulatorDirectory _directory;
    private readonly GrainOutbox? _localSilo;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private AgentCounts _last = new([]);
    private long _lastAt = -1;

    /// <param name="localSilo">The co-hosted silo's outbox, flushed first so a count includes what this process just did.</param>
    public AgentCensus(IGrainFactory grains, SimulatorDirectory directory, IMeterFactory meters, GrainOutbox? localSilo = null)
    {
        _grains = grains;
        _directory = directory;
        _localSilo = localSilo;
        meters.Create(MeterName).CreateObservableGauge("mrdsim.agents", Observe, unit: "{agent}", description: "Agents per state per Media Routing Domain");
    }

    /// <summary>The last counts (possibly a second old; empty before the first refresh).</summary>
    public AgentCounts Last => Volatile.Read(ref _last);

    /// <summary>The counts, refreshed when older than a second.</summary>
    public async Task<AgentCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        if (IsFresh(Volatile.Read(ref _lastAt)))
        {
            return Last;
        }

        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            if (!IsFresh(_lastAt))
            {
                Volatile.Write(ref _last, await RecountAsync());
                Volatile.Write(ref _lastAt, Environment.TickCount64);
            }

            return _last;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>A fresh count from every MRD's statistics grain.</summary>
    public async Task<AgentCounts> RecountAsync()
    {
        if (_localSilo is not null)
        {
            await _localSilo.FlushStatsAsync();
        }

        var mrds = _directory.NonVoiceMrds;
        var agents = await Task.WhenAll(mrds.Select(m => _grains.GetGrain<IMrdStatsGrain>(m.Id).GetAgentsAsync().AsTask()));
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

    public void Dispose() => _refreshing.Dispose();

    /// <summary>A refresh nobody waits for: a grain that cannot answer now leaves the last count in place.</summary>
    private async Task RefreshAsync()
    {
        try
        {
            await CountAsync();
        }
        catch (Exception ex) when (Http.GrainFailureMiddleware.IsGrainFailure(ex))
        {
        }
    }

    private static bool IsFresh(long countedAt) => countedAt >= 0 && Environment.TickCount64 - countedAt <= MaxAge.TotalMilliseconds;

    private IEnumerable<Measurement<long>> Observe()
    {
        // Callbacks cannot wait for grains: report the last count and refresh it in the background.
        _ = RefreshAsync();
        foreach (var mrd in Last.Mrds)
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
