namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Counts the simulation's work in flight in this silo: grain timer ticks fired by a discrete-event clock and not
/// yet finished, and outbox deliveries not yet done. Every grain turn starts from one of those (or from a caller
/// who waits for it), so when the count is zero nothing more will happen until the clock moves: that is what
/// lets <see cref="SimulatedTimeProvider"/> advance time only when the model is quiet.
/// </summary>
public sealed class SimulationWork
{
    private readonly object _gate = new();
    private readonly List<TaskCompletionSource> _idleWaiters = [];
    private readonly List<Action> _deferred = [];
    private long _busy;
    private long _started;
    private Action? _idleHandler;

    /// <summary>True once a discrete-event clock counts its ticks here; live clocks leave it false and ticks cost nothing.</summary>
    public bool TracksTicks { get; internal set; }

    public long Busy
    {
        get
        {
            lock (_gate)
            {
                return _busy;
            }
        }
    }

    /// <summary>Work items begun so far: unchanged across two idle observations means nothing happened in between.</summary>
    public long Started
    {
        get
        {
            lock (_gate)
            {
                return _started;
            }
        }
    }

    public void Begin()
    {
        lock (_gate)
        {
            _busy++;
            _started++;
        }
    }

    /// <summary>
    /// Work that may wait until everything else in flight is done, begun now and started by <paramref name="start"/>
    /// then (it ends like any other work). A discrete-event clock does not move meanwhile, so waiting changes no
    /// simulated time, and changes that add up (an MRD's figures) go as one delivery per step instead of one each.
    /// Without a discrete-event clock it starts at once.
    /// </summary>
    public void BeginDeferred(Action start)
    {
        if (!TracksTicks)
        {
            Begin();
            start();
            return;
        }

        List<Action>? due;
        lock (_gate)
        {
            _busy++;
            _started++;
            _deferred.Add(start);
            due = TakeDeferredIfOnlyThem();
        }

        Run(due);
    }

    public void End()
    {
        Action? idle;
        List<Action>? due;
        lock (_gate)
        {
            if (--_busy < 0)
            {
                throw new InvalidOperationException("Simulation work ended more often than it began");
            }

            due = TakeDeferredIfOnlyThem();
            idle = _busy == 0 ? Idle() : null;
        }

        Run(due);
        idle?.Invoke();
    }

    private static void Run(List<Action>? starts)
    {
        if (starts is null)
        {
            return;
        }

        foreach (var start in starts)
        {
            start();
        }
    }

    /// <summary>Under the lock: the deferred work, taken, when nothing else is in flight.</summary>
    private List<Action>? TakeDeferredIfOnlyThem()
    {
        if (_deferred.Count == 0 || _busy != _deferred.Count)
        {
            return null;
        }

        var due = new List<Action>(_deferred);
        _deferred.Clear();
        return due;
    }

    /// <summary>Under the lock, with nothing in flight: wakes the waiters and returns the idle handler to call.</summary>
    private Action? Idle()
    {
        Monitor.PulseAll(_gate);
        foreach (var waiter in _idleWaiters)
        {
            waiter.TrySetResult();
        }

        _idleWaiters.Clear();
        return _idleHandler;
    }

    /// <summary>Called, outside the lock, whenever the work in flight drops to zero (the running clock's next step); null for none.</summary>
    internal void SetIdleHandler(Action? handler)
    {
        lock (_gate)
        {
            _idleHandler = handler;
        }
    }

    /// <summary>Called when a grain timer tick finishes (see <see cref="GrainTimers"/>).</summary>
    public void TickEnded()
    {
        if (TracksTicks)
        {
            End();
        }
    }

    /// <summary>
    /// A grain timer due now: Orleans queues its tick at once without asking the clock, so no clock counts it.
    /// </summary>
    public void ImmediateTickQueued()
    {
        if (TracksTicks)
        {
            Begin();
        }
    }

    /// <summary>Completes when nothing is in flight.</summary>
    public Task WhenIdle()
    {
        lock (_gate)
        {
            if (_busy == 0)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _idleWaiters.Add(waiter);
            return waiter.Task;
        }
    }

    /// <summary>Blocks until nothing is in flight.</summary>
    /// <exception cref="TimeoutException">Work stayed in flight for <paramref name="timeout"/> (a tick lost with its activation, or a hung grain).</exception>
    public void WaitIdle(TimeSpan timeout)
    {
        // A discrete-event step is a short chain of grain calls: spin briefly before sleeping, because a wake-up
        // costs more than most steps take.
        var spin = new SpinWait();
        while (Volatile.Read(ref _busy) > 0 && !spin.NextSpinWillYield)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (_busy > 0)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    throw new TimeoutException($"{_busy} simulation work items still in flight after {timeout}");
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(left));
            }
        }
    }
}
