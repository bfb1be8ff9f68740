using System.Diagnostics;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Runtime;

/// <summary>A call waiting in a grain's mailbox.</summary>
internal interface IWorkItem<TKey, TGrain>
    where TKey : notnull
    where TGrain : Grain
{
    /// <summary>Runs the call as one turn and completes the caller's task; never throws.</summary>
    ValueTask RunAsync(TGrain grain, GrainActivation<TKey, TGrain> activation);

    /// <summary>Hands the call to the key's next activation (this one was deactivated first).</summary>
    void Forward(GrainTable<TKey, TGrain> table, TKey key);

    void Fail(Exception exception);
}

internal sealed class WorkItem<TKey, TGrain, TResult>(Func<TGrain, ValueTask<TResult>> call)
    : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), IWorkItem<TKey, TGrain>
    where TKey : notnull
    where TGrain : Grain
{
    // Queued turns run on the pool, where the caller's span is not current: carry it over for the turn.
    private readonly Activity? _callerActivity = Activity.Current;

    public async ValueTask RunAsync(TGrain grain, GrainActivation<TKey, TGrain> activation)
    {
        if (_callerActivity is not null)
        {
            Activity.Current = _callerActivity;
        }

        try
        {
            SetResult(await call(grain).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            if (ex is InconsistentStateException)
            {
                activation.RequestDeactivation();
            }

            SetException(ex);
        }
    }

    public void Forward(GrainTable<TKey, TGrain> table, TKey key) => _ = ForwardAsync(table, key);

    public void Fail(Exception exception) => TrySetException(exception);

    private async Task ForwardAsync(GrainTable<TKey, TGrain> table, TKey key)
    {
        try
        {
            SetResult(await table.InvokeAsync(key, call).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            SetException(ex);
        }
    }
}
