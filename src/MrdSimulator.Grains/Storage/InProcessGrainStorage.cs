using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Storage;

namespace MrdSimulator.Grains.Storage;

/// <summary>
/// Grain state held in this process, by reference, with etag compare-and-set. Orleans' own memory storage sends
/// every write to a storage grain and copies the state; this one is a dictionary write, which measured about three
/// times faster and smaller (docs/benchmarks.md). The price: it is only correct for one silo, so the embedded
/// simulator uses it and a cluster uses Redis. Every state it holds must be immutable (the grains replace their
/// state objects, never change them), because the stored object is the grain's own.
/// </summary>
public sealed class InProcessGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), Entry> _entries = new();
    private long _lastEtag;

    public int Count => _entries.Count;

    /// <summary>Every stored state of one name and type (for whole-silo views such as tests; never on a request path).</summary>
    public IEnumerable<(GrainId Grain, T State)> Entries<T>(string stateName)
    {
        foreach (var ((name, grain), entry) in _entries)
        {
            if (name == stateName && entry.State is T state)
            {
                yield return (grain, state);
            }
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_entries.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = (T)entry.State;
            grainState.ETag = entry.Etag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var next = new Entry(grainState.State!, Interlocked.Increment(ref _lastEtag).ToString("x", CultureInfo.InvariantCulture));
        var key = (stateName, grainId);
        var written = grainState.ETag is null
            ? _entries.TryAdd(key, next)
            : _entries.TryGetValue(key, out var current) && current.Etag == grainState.ETag && _entries.TryUpdate(key, next, current);
        if (!written)
        {
            return Task.FromException(Stale(stateName, grainId, grainState.ETag));
        }

        grainState.ETag = next.Etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        if (grainState.ETag is not null
            && (!_entries.TryGetValue(key, out var current) || current.Etag != grainState.ETag || !_entries.TryRemove(new KeyValuePair<(string, GrainId), Entry>(key, current))))
        {
            return Task.FromException(Stale(stateName, grainId, grainState.ETag));
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private InconsistentStateException Stale(string stateName, GrainId grainId, string? etag) =>
        new($"Stale etag writing {stateName} of {grainId}", etag ?? "(none)", _entries.TryGetValue((stateName, grainId), out var e) ? e.Etag : "(none)");

    private sealed record Entry(object State, string Etag);
}
