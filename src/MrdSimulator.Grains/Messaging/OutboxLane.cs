using System.Diagnostics;

namespace MrdSimulator.Grains.Messaging;

/// <summary>
/// Messages from one silo to one grain or subscriber, delivered in the order posted with at most one call in flight:
/// whatever is posted while a call is out goes in the next batch. Posting never blocks and never waits for the
/// target, so a grain can tell another grain something in its turn without waiting on it.
/// </summary>
internal abstract class OutboxLane(GrainOutbox outbox)
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long best-effort lanes keep sending a batch whose call failed for a transient reason before giving it up: long
    /// enough to outlast Orleans' reconnect back-off around a dead silo (about a second) and one observer timeout.
    /// </summary>
    private static readonly TimeSpan BestEffortRetryWindow = TimeSpan.FromSeconds(10);
    private bool _pumping;
    private bool _retired;
    private TaskCompletionSource? _idle;
    private Action? _startPump;

    protected Lock Gate { get; } = new();

    protected GrainOutbox Outbox { get; } = outbox;

    /// <summary>Reliable lanes retry a call that failed for a transient reason (overload, timeout, a silo going away) until it succeeds.</summary>
    protected abstract bool Reliable { get; }

    /// <summary>Under <see cref="Gate"/>: takes what is pending as one batch, or null when nothing is.</summary>
    protected abstract object? TakeBatch();

    protected abstract bool HasPending { get; }

    protected abstract Task SendAsync(object batch);

    /// <summary>What a failed batch cost, for the outbox's counters and log.</summary>
    protected abstract int CountOf(object batch);

    /// <summary>Completes when everything posted so far has been delivered (or given up on).</summary>
    public Task WhenIdle()
    {
        lock (Gate)
        {
            return !_pumping && !HasPending ? Task.CompletedTask : (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Retires an idle lane so a dictionary of lanes does not grow without bound; false when it is busy.</summary>
    public bool TryRetire()
    {
        lock (Gate)
        {
            if (_pumping || HasPending)
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>Adds through <paramref name="add"/> under the lane's lock; false when the lane was retired (post to a new one).</summary>
    protected bool Post<TArg>(TArg arg, Action<TArg> add)
    {
        lock (Gate)
        {
            if (_retired)
            {
                return false;
            }

            add(arg);
            if (_pumping)
            {
                return true;
            }

            _pumping = true;
        }

        if (Deferrable)
        {
            Outbox.Work.BeginDeferred(_startPump ??= StartPump);
        }
        else
        {
            Outbox.Work.Begin();
            StartPump();
        }

        return true;
    }

    /// <summary>
    /// Whether the first delivery may wait until the simulation is otherwise quiet (<see cref="SimulationWork.BeginDeferred"/>):
    /// for lanes whose messages add up and whose target only reports them.
    /// </summary>
    protected virtual bool Deferrable => false;

    // Off the posting grain's turn and without its execution context (request context, activity).
    private void StartPump() => ThreadPool.UnsafeQueueUserWorkItem(static lane => _ = lane.PumpAsync(), this, preferLocal: false);

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                object? batch;
                TaskCompletionSource? idle = null;
                lock (Gate)
                {
                    batch = TakeBatch();
                    if (batch is null)
                    {
                        _pumping = false;
                        idle = _idle;
                        _idle = null;
                    }
                }

                if (batch is null)
                {
                    idle?.TrySetResult();
                    return;
                }

                await DeliverAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            Outbox.Work.End();
            Outbox.LaneIdle(this);
        }
    }

    private async Task DeliverAsync(object batch)
    {
        var delay = FirstRetry;
        long? firstFailure = null;
        while (true)
        {
            try
            {
                await SendAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (GrainOutbox.IsTransient(ex)
                && (Reliable || Stopwatch.GetElapsedTime(firstFailure ??= Stopwatch.GetTimestamp()) < BestEffortRetryWindow))
            {
                // Best-effort lanes too: a call refused or timed out while the cluster reroutes around a dead silo
                // usually lands when sent again, and may have landed already; receivers drop repeats by sequence.
                Outbox.Retried(this, ex);
                await Task.Delay(delay).ConfigureAwait(false);
                delay = delay * 2 > MaxRetry ? MaxRetry : delay * 2;
            }
            catch (Exception ex)
            {
                Outbox.GaveUp(this, CountOf(batch), ex);
                return;
            }
        }
    }
}
