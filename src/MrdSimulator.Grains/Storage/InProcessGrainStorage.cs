using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Storage;

namespace MrdSimulator.Grains.Storage;

/// <summary>
/// Grain state held in this process, by reference, with etag compare-and-set. Orleans' own memory storage sends
/// every write to a storage grain and copies the state; this one is a dictionary write, which measured about three
/// times faster and smaller (docs/benchmarks.md). The price: it is only correct for one silo, so the embedded
/// simulator uses it and a cluster uses Redis. Every state it holds must be immutable (the grains replace their
/// state objects, never change them), because the stored object is the grain's own. Grains reach it through
/// <see cref="InProcessPersistentState{T}"/>, which keeps etags as numbers; the <see cref="IGrainStorage"/> face
/// (tests, other callers) shows them as hex strings.
/// </summary>
public sealed class InProcessGrainStorage : IGrainStorage
{
    /// <summary>The etag of a record that does not exist.</summary>
    internal const long NoEtag = 0;

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

    /// <summary>The stored record, or false when there is none.</summary>
    internal bool TryRead(string stateName, GrainId grainId, out object? state, out long etag)
    {
        var found = _entries.TryGetValue((stateName, grainId), out var entry);
        (state, etag) = (entry.State, entry.Etag);
        return found;
    }

    /// <summary>Stores <paramref name="state"/> if the record is still at <paramref name="etag"/>, which then moves on.</summary>
    internal InconsistentStateException? Write(string stateName, GrainId grainId, object state, ref long etag)
    {
        var next = new Entry(Interlocked.Increment(ref _lastEtag), state);
        var key = (stateName, grainId);
        var written = etag == NoEtag
            ? _entries.TryAdd(key, next)
            : _entries.TryGetValue(key, out var current) && current.Etag == etag && _entries.TryUpdate(key, next, current);
        if (!written)
        {
            return Stale(stateName, grainId, etag);
        }

        etag = next.Etag;
        return null;
    }

    /// <summary>Removes the record if it is still at <paramref name="etag"/>.</summary>
    internal InconsistentStateException? Clear(string stateName, GrainId grainId, ref long etag)
    {
        var key = (stateName, grainId);
        if (etag != NoEtag
            && (!_entries.TryGetValue(key, out var current) || current.Etag != etag || !_entries.TryRemove(new KeyValuePair<(string, GrainId), Entry>(key, current))))
        {
            return Stale(stateName, grainId, etag);
        }

        etag = NoEtag;
        return null;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (TryRead(stateName, grainId, out var state, out var etag))
        {
            grainState.State = (T)state!;
            grainState.ETag = Format(etag);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = Parse(grainState.ETag);
        if (Write(stateName, grainId, grainState.State!, ref etag) is { } stale)
        {
            return Task.FromException(stale);
        }

        grainState.ETag = Format(etag);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var etag = Parse(grainState.ETag);
        if (Clear(stateName, grainId, ref etag) is { } stale)
        {
            return Task.FromException(stale);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    internal static string? Format(long etag) => etag == NoEtag ? null : etag.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>An etag this store did not hand out matches no record (-1 is never one of ours).</summary>
    private static long Parse(string? etag) =>
        etag is null ? NoEtag : long.TryParse(etag, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : -1;

    private InconsistentStateException Stale(string stateName, GrainId grainId, long etag) =>
        new($"Stale etag writing {stateName} of {grainId}", Format(etag) ?? "(none)",
            _entries.TryGetValue((stateName, grainId), out var e) ? Format(e.Etag)! : "(none)");

    /// <summary>A value in the dictionary, not an object per record: the etag first, so a stale compare stops there.</summary>
    private readonly record struct Entry(long Etag, object State);
}
