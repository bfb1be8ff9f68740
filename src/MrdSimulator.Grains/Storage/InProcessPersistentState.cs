using Orleans.Core;
using Orleans.Serialization.Activators;

namespace MrdSimulator.Grains.Storage;

/// <summary>
/// A grain's <c>[PersistentState]</c> record in <see cref="InProcessGrainStorage"/>. Orleans' own bridge queues every
/// storage operation behind a forced yield, so that a reentrant grain's overlapping writes run in order; that costs each
/// write a trip through the activation's scheduler. A write here is a compare-and-set on a dictionary that ends within
/// the caller's turn, so there is nothing to queue: the state is written before the grain's next line runs. Loaded at
/// the grain's SetupState stage, as the bridge is. An etag conflict fails the write with the same
/// <see cref="InconsistentStateException"/>. One of these lives per activation, so it keeps its etag as a number.
/// </summary>
internal sealed class InProcessPersistentState<T> : IPersistentState<T>, ILifecycleObserver
{
    private readonly string _stateName;
    private readonly GrainId _grainId;
    private readonly InProcessGrainStorage _store;
    private long _etag;

    public InProcessPersistentState(string stateName, IGrainContext context, InProcessGrainStorage store, IActivator<T> activator)
    {
        _stateName = stateName;
        _grainId = context.GrainId;
        _store = store;
        State = activator.Create();
        context.ObservableLifecycle.Subscribe(nameof(InProcessPersistentState<T>), GrainLifecycleStage.SetupState, this);
    }

    public T State { get; set; }

    public string? Etag => InProcessGrainStorage.Format(_etag);

    public bool RecordExists => _etag != InProcessGrainStorage.NoEtag;

    public Task ReadStateAsync()
    {
        if (_store.TryRead(_stateName, _grainId, out var state, out var etag))
        {
            State = (T)state!;
            _etag = etag;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync() =>
        _store.Write(_stateName, _grainId, State!, ref _etag) is { } stale ? Task.FromException(stale) : Task.CompletedTask;

    public Task ClearStateAsync() =>
        _store.Clear(_stateName, _grainId, ref _etag) is { } stale ? Task.FromException(stale) : Task.CompletedTask;

    Task ILifecycleObserver.OnStart(CancellationToken cancellationToken) => ReadStateAsync();

    Task ILifecycleObserver.OnStop(CancellationToken cancellationToken) => Task.CompletedTask;
}
