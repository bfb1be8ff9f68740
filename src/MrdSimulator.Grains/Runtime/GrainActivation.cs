using System.Diagnostics;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Runtime;

/// <summary>
/// One live instance of a grain and its mailbox. Exactly one turn runs at a time: the caller that finds
/// the grain idle runs its turn inline (no thread hop on the common path); calls arriving meanwhile wait
/// in a bounded queue that is drained on the thread pool. The queue is allocated only when first needed,
/// because a million idle activations must stay small.
/// </summary>
internal sealed class GrainActivation<TKey, TGrain> : IGrainActivation
    where TKey : notnull
    where TGrain : Grain
{
    private readonly Lock _gate = new();
    private readonly GrainTable<TKey, TGrain> _table;
    private readonly TGrain _grain;
    private Queue<IWorkItem<TKey, TGrain>>? _queue;
    private List<GrainTimer>? _timers;
    private long _lastActivity;
    private bool _running;
    private bool _activated;
    private bool _deactivationRequested;
    private ActivationStatus _status;

    public GrainActivation(GrainTable<TKey, TGrain> table, TKey key)
    {
        _table = table;
        Key = key;
        _grain = table.CreateGrain(key);
        _grain.Activation = this;
        _lastActivity = table.Time.GetTimestamp();
    }

    private enum ActivationStatus : byte
    {
        Active,
        Deactivating,
        Deactivated,
    }

    public TKey Key { get; }

    /// <summary>Calls waiting behind the running turn.</summary>
    public int QueueLength
    {
        get
        {
            lock (_gate)
            {
                return _queue?.Count ?? 0;
            }
        }
    }

    /// <summary>Starts the call, or returns false when this activation is gone and the caller must find the next one.</summary>
    public bool TryInvoke<TResult>(Func<TGrain, ValueTask<TResult>> call, out ValueTask<TResult> result)
    {
        lock (_gate)
        {
            if (_status == ActivationStatus.Deactivated)
            {
                result = default;
                return false;
            }

            if (_running)
            {
                result = new ValueTask<TResult>(Enqueue(new WorkItem<TKey, TGrain, TResult>(call)).Task);
                _table.Metrics.WorkEntered();
                return true;
            }

            _running = true;
        }

        _table.Metrics.WorkEntered();
        result = RunInlineAsync(call);
        return true;
    }

    /// <summary>
    /// Queues the call behind every call already queued and returns at once: never runs it inline and
    /// never refuses it for a full mailbox, so grain-to-grain messages keep their order and are not lost.
    /// </summary>
    public bool TryPost<TResult>(Func<TGrain, ValueTask<TResult>> call, out Task<TResult> result)
    {
        bool start;
        lock (_gate)
        {
            if (_status == ActivationStatus.Deactivated)
            {
                result = null!;
                return false;
            }

            var item = new WorkItem<TKey, TGrain, TResult>(call);
            (_queue ??= new Queue<IWorkItem<TKey, TGrain>>()).Enqueue(item);
            result = item.Task;
            _table.Metrics.Queued(1); // DrainAsync counts every dequeue, posted or invoked
            _table.Metrics.WorkEntered();
            start = !_running;
            _running = true;
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static a => _ = a.DrainAsync(), this, preferLocal: false);
        }

        return true;
    }

    public void RequestDeactivation()
    {
        lock (_gate)
        {
            _deactivationRequested = true;
        }
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, callback, dueTime, period);
        lock (_gate)
        {
            (_timers ??= []).Add(timer);
        }

        timer.Start(_table.Time);
        return timer;
    }

    /// <summary>Begins deactivation if the grain has been idle since <paramref name="idleSince"/> and has no timers.</summary>
    public bool TryCollect(long idleSince)
    {
        lock (_gate)
        {
            if (_running || _status != ActivationStatus.Active || _timers is { Count: > 0 } || _lastActivity > idleSince)
            {
                return false;
            }

            _running = true;
            _deactivationRequested = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static a => _ = a.DrainAsync(), this, preferLocal: false);
        return true;
    }

    private WorkItem<TKey, TGrain, TResult> Enqueue<TResult>(WorkItem<TKey, TGrain, TResult> item)
    {
        // Caller holds _gate.
        var queue = _queue ??= new Queue<IWorkItem<TKey, TGrain>>();
        if (queue.Count >= _table.Options.MailboxCapacity)
        {
            _table.Metrics.MailboxRejected();
            throw new MailboxFullException($"{typeof(TGrain).Name}/{Key}", _table.Options.MailboxCapacity);
        }

        queue.Enqueue(item);
        _table.Metrics.Queued(1);
        return item;
    }

    private async ValueTask<TResult> RunInlineAsync<TResult>(Func<TGrain, ValueTask<TResult>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!_activated)
            {
                await ActivateAsync().ConfigureAwait(false);
            }

            return await call(_grain).ConfigureAwait(false);
        }
        catch (InconsistentStateException)
        {
            RequestDeactivation();
            throw;
        }
        finally
        {
            _table.Metrics.TurnCompleted(Stopwatch.GetElapsedTime(started));
            EndTurn();
            _table.Metrics.WorkExited();
        }
    }

    private async Task ActivateAsync()
    {
        try
        {
            await _grain.OnActivateAsync(CancellationToken.None).ConfigureAwait(false);
            _activated = true;
            _table.Metrics.Activated();
        }
        catch
        {
            // A grain that cannot load its state must not linger half-built: the next call starts afresh.
            RequestDeactivation();
            throw;
        }
    }

    private void EndTurn()
    {
        lock (_gate)
        {
            _lastActivity = _table.Time.GetTimestamp();
            if (_queue is not { Count: > 0 } && !_deactivationRequested)
            {
                _running = false;
                return;
            }
        }

        // Others' calls are drained on the pool so this caller gets its answer now.
        ThreadPool.UnsafeQueueUserWorkItem(static a => _ = a.DrainAsync(), this, preferLocal: false);
    }

    private async Task DrainAsync()
    {
        for (var turns = 0; turns < _table.Options.TurnsPerSlice; turns++)
        {
            IWorkItem<TKey, TGrain> item;
            lock (_gate)
            {
                if (_deactivationRequested)
                {
                    break;
                }

                if (_queue is not { Count: > 0 })
                {
                    _lastActivity = _table.Time.GetTimestamp();
                    _running = false;
                    return;
                }

                item = _queue.Dequeue();
            }

            _table.Metrics.Queued(-1);

            var started = Stopwatch.GetTimestamp();
            if (!_activated)
            {
                try
                {
                    await ActivateAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    item.Fail(ex);
                    _table.Metrics.WorkExited();
                    continue;
                }
            }

            await item.RunAsync(_grain, this).ConfigureAwait(false);
            _table.Metrics.TurnCompleted(Stopwatch.GetElapsedTime(started));
            _table.Metrics.WorkExited();
        }

        bool deactivate;
        lock (_gate)
        {
            deactivate = _deactivationRequested;
        }

        if (deactivate)
        {
            await DeactivateAsync().ConfigureAwait(false);
        }
        else
        {
            // A long queue: give other grains the thread, then carry on.
            ThreadPool.UnsafeQueueUserWorkItem(static a => _ = a.DrainAsync(), this, preferLocal: false);
        }
    }

    private async Task DeactivateAsync()
    {
        List<GrainTimer>? timers;
        lock (_gate)
        {
            _status = ActivationStatus.Deactivating;
            timers = _timers;
            _timers = null;
        }

        timers?.ForEach(t => t.Stop());
        if (_activated)
        {
            try
            {
                await _grain.OnDeactivateAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _table.Metrics.DeactivationFailed(ex);
            }
        }

        // Leave the table first, so callers that see Deactivated find (or create) the next activation.
        _table.Remove(Key, this);
        Queue<IWorkItem<TKey, TGrain>>? orphans;
        lock (_gate)
        {
            _status = ActivationStatus.Deactivated;
            orphans = _queue;
            _queue = null;
        }

        _table.Metrics.Deactivated();
        _table.Metrics.Queued(-(orphans?.Count ?? 0));
        while (orphans is { Count: > 0 })
        {
            // Forwarding enters the call again on the next activation before this count is released.
            orphans.Dequeue().Forward(_table, Key);
            _table.Metrics.WorkExited();
        }
    }

    private void RemoveTimer(GrainTimer timer)
    {
        lock (_gate)
        {
            _timers?.Remove(timer);
        }
    }

    /// <summary>A timer whose ticks are turns. A tick is skipped while the previous one is still queued or running.</summary>
    private sealed class GrainTimer(GrainActivation<TKey, TGrain> owner, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private ITimer? _timer;
        private int _tickPending;

        public void Start(TimeProvider time) => _timer = time.CreateTimer(static s => ((GrainTimer)s!).Tick(), this, dueTime, period);

        public void Stop()
        {
            _cancellation.Cancel();
            _timer?.Dispose();
        }

        public void Dispose()
        {
            Stop();
            owner.RemoveTimer(this);
        }

        private void Tick()
        {
            if (_cancellation.IsCancellationRequested || Interlocked.Exchange(ref _tickPending, 1) == 1)
            {
                return;
            }

            try
            {
                if (owner.TryInvoke(RunAsync, out var turn))
                {
                    _ = Observe(turn);
                }
                else
                {
                    _tickPending = 0;
                }
            }
            catch (MailboxFullException)
            {
                _tickPending = 0;
            }
        }

        private async ValueTask<bool> RunAsync(TGrain grain)
        {
            try
            {
                if (!_cancellation.IsCancellationRequested)
                {
                    await callback(_cancellation.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _tickPending = 0;
                if (period == Timeout.InfiniteTimeSpan)
                {
                    Dispose();
                }
            }

            return true;
        }

        private async Task Observe(ValueTask<bool> turn)
        {
            try
            {
                await turn.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                owner._table.Metrics.TimerFailed(ex);
            }
        }
    }
}
