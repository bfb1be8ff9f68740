using System.Collections.Concurrent;

namespace MrdSimulator.Grains.Storage;

/// <summary>In-process storage. States are immutable records, so storing the reference is storing a copy.</summary>
public sealed class MemoryGrainStorage<TKey, TState>(IEqualityComparer<TKey>? comparer = null) : IGrainStorage<TKey, TState>
    where TKey : notnull
    where TState : class
{
    private static long s_lastEtag;
    private readonly ConcurrentDictionary<TKey, StoredState<TState>> _states = new(comparer);

    public int Count => _states.Count;

    public IEnumerable<KeyValuePair<TKey, StoredState<TState>>> Entries => _states;

    public ValueTask<StoredState<TState>?> ReadAsync(TKey key, CancellationToken cancellationToken = default) =>
        new(_states.TryGetValue(key, out var stored) ? stored : null);

    public ValueTask<long> WriteAsync(TKey key, TState state, long expectedEtag, CancellationToken cancellationToken = default)
    {
        var next = new StoredState<TState>(state, Interlocked.Increment(ref s_lastEtag));
        bool written;
        if (expectedEtag == 0)
        {
            written = _states.TryAdd(key, next);
        }
        else
        {
            written = _states.TryGetValue(key, out var current) && current.Etag == expectedEtag && _states.TryUpdate(key, next, current);
        }

        return written
            ? new ValueTask<long>(next.Etag)
            : ValueTask.FromException<long>(new InconsistentStateException($"Stale etag {expectedEtag} writing {key}"));
    }
}
