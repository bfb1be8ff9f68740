namespace MrdSimulator.Grains.Storage;

/// <summary>A grain's view of its stored state (Orleans' IPersistentState): read on activation, written with the etag read.</summary>
public sealed class PersistentState<TKey, TState>(TKey key, IGrainStorage<TKey, TState> storage, TState initial)
    where TKey : notnull
{
    public TState State { get; set; } = initial;

    public long Etag { get; private set; }

    public bool RecordExists => Etag != 0;

    public async ValueTask ReadStateAsync(CancellationToken cancellationToken = default)
    {
        if (await storage.ReadAsync(key, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            State = stored.State;
            Etag = stored.Etag;
        }
    }

    public async ValueTask WriteStateAsync(CancellationToken cancellationToken = default) =>
        Etag = await storage.WriteAsync(key, State, Etag, cancellationToken).ConfigureAwait(false);
}
