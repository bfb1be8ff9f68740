using System.Diagnostics;
using System.Diagnostics.Metrics;
using MrdSimulator.Domain.Media;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Agents per state per MRD, counted on demand over the Media grain storage rather than on every state
/// change: a scan costs about 0.5 µs per stored Media object (docs/observability.md, Benchmarks) and runs at
/// most once a second, while counters in MediaGrain would tax every request. Agents assigned to an MRD but
/// never stored are LOGOUT. Published as the gauge <c>mrdsim.agents{mrd,state}</c>.
/// </summary>
public sealed class AgentCensus : IDisposable
{
    public const string MeterName = "MrdSimulator.Agents";

    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private static readonly AgentState[] States = Enum.GetValues<AgentState>();
    private readonly Silo _silo;
    private readonly Meter _meter = new(MeterName);
    private readonly Lazy<Dictionary<int, int>> _assigned;
    private readonly Lock _gate = new();
    private AgentCounts? _last;
    private long _lastAt;

    public AgentCensus(Silo silo)
    {
        _silo = silo;
        _assigned = new(() => silo.Directory.NonVoiceMrds.ToDictionary(m => m.Id, m => silo.Directory.Users.Count(u => u.IsAssignedTo(m.Id))));
        _meter.CreateObservableGauge("mrdsim.agents", Observe, unit: "{agent}", description: "Agents per state per Media Routing Domain");
    }

    /// <summary>False when the storage cannot be enumerated (only in-memory storage can, today).</summary>
    public bool Available => _silo.MediaStorage is MemoryGrainStorage<MediaGrainKey, MediaState>;

    /// <summary>The counts, recounted when older than a second.</summary>
    public AgentCounts Count()
    {
        lock (_gate)
        {
            if (_last is null || Stopwatch.GetElapsedTime(_lastAt) > MaxAge)
            {
                _last = Recount();
                _lastAt = Stopwatch.GetTimestamp();
            }

            return _last;
        }
    }

    /// <summary>A fresh scan; public so the cost can be measured.</summary>
    public AgentCounts Recount()
    {
        var mrds = _silo.Directory.NonVoiceMrds;
        var index = new Dictionary<int, int>(mrds.Count);
        for (var i = 0; i < mrds.Count; i++)
        {
            index[mrds[i].Id] = i;
        }

        var counts = new int[mrds.Count, States.Length];
        if (_silo.MediaStorage is MemoryGrainStorage<MediaGrainKey, MediaState> memory)
        {
            foreach (var (key, stored) in memory.Entries)
            {
                if (index.TryGetValue(key.MrdId, out var m))
                {
                    counts[m, (int)stored.State.State]++;
                }
            }
        }

        var result = new List<MrdAgentCounts>(mrds.Count);
        for (var m = 0; m < mrds.Count; m++)
        {
            var byState = new Dictionary<AgentState, int>();
            var stored = 0;
            foreach (var state in States)
            {
                stored += counts[m, (int)state];
                if (counts[m, (int)state] > 0)
                {
                    byState[state] = counts[m, (int)state];
                }
            }

            // Storage holds only agents who ever signed in; the other assigned agents are LOGOUT.
            var neverStored = Math.Max(0, _assigned.Value.GetValueOrDefault(mrds[m].Id) - stored);
            byState[AgentState.Logout] = byState.GetValueOrDefault(AgentState.Logout) + neverStored;
            result.Add(new MrdAgentCounts(mrds[m].Id, mrds[m].Name, _assigned.Value.GetValueOrDefault(mrds[m].Id), byState));
        }

        return new AgentCounts(result);
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Observe()
    {
        if (!Available)
        {
            yield break;
        }

        foreach (var mrd in Count().Mrds)
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
