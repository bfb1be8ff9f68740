using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Tests.Runtime;

/// <summary>A grain that records how many turns ever ran inside it at once.</summary>
public sealed class ProbeGrain : Grain
{
    private int _inside;

    public int MaxInside { get; private set; }

    public int Count { get; private set; }

    public List<int> Seen { get; } = [];

    public async ValueTask<int> EnterAsync(int value, bool yield)
    {
        var inside = Interlocked.Increment(ref _inside);
        MaxInside = Math.Max(MaxInside, inside);
        if (yield)
        {
            await Task.Yield();
        }

        // Deliberately not atomic: only one-turn-at-a-time keeps this count right.
        var count = Count;
        Thread.SpinWait(10);
        Count = count + 1;
        Seen.Add(value);
        Interlocked.Decrement(ref _inside);
        return Count;
    }

    public IDisposable StartTimer(TimeSpan period, Func<Task> tick) => RegisterTimer(_ => tick(), period, period);
}

public sealed record CounterState(int Value);

/// <summary>A persistent counter, to watch state survive deactivation and etag conflicts.</summary>
public sealed class CounterGrain(string key, IGrainStorage<string, CounterState> storage, Action? onActivate = null, Func<Task>? onDeactivate = null) : Grain
{
    private readonly PersistentState<string, CounterState> _state = new(key, storage, new CounterState(0));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        onActivate?.Invoke();
        await _state.ReadStateAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(CancellationToken cancellationToken) => onDeactivate?.Invoke() ?? Task.CompletedTask;

    public async ValueTask<int> IncrementAsync()
    {
        var previous = _state.State;
        _state.State = new CounterState(previous.Value + 1);
        try
        {
            await _state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            _state.State = previous;
            throw;
        }

        return _state.State.Value;
    }

    public ValueTask<int> GetAsync() => ValueTask.FromResult(_state.State.Value);

    public ValueTask<bool> DeactivateAsync()
    {
        DeactivateOnIdle();
        return ValueTask.FromResult(true);
    }
}
