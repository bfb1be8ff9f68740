namespace MrdSimulator.Grains.Storage;

/// <summary>A stored grain state and the etag that must be presented to overwrite it.</summary>
public readonly record struct StoredState<TState>(TState State, long Etag);

/// <summary>
/// Grain persistence with compare-and-set, like Orleans' IGrainStorage: a write names the etag it read,
/// and fails when someone wrote since. That is what keeps a brief duplicate activation from overwriting
/// newer state.
/// </summary>
public interface IGrainStorage<TKey, TState>
    where TKey : notnull
{
    /// <summary>The stored state, or null when the grain has never been written.</summary>
    ValueTask<StoredState<TState>?> ReadAsync(TKey key, CancellationToken cancellationToken = default);

    /// <summary>Writes when the stored etag is <paramref name="expectedEtag"/> (0: nothing stored yet) and returns the new etag.</summary>
    /// <exception cref="InconsistentStateException">The stored etag differs.</exception>
    ValueTask<long> WriteAsync(TKey key, TState state, long expectedEtag, CancellationToken cancellationToken = default);
}

/// <summary>A write presented a stale etag: another activation wrote first.</summary>
public sealed class InconsistentStateException(string message) : Exception(message);
