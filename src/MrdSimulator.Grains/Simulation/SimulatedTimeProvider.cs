namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// A discrete-event clock for the grains (registered under Orleans' <c>TimeProviderNames.Grains</c> only, so
/// membership, messaging and activation collection keep real time): time moves only when <see cref="RunUntil"/>
/// advances it to the next timer, and only after everything the previous timer caused has finished
/// (<see cref="SimulationWork"/>). One timer fires at a time, in due-time order (ties in creation order), so a
/// run is reproducible and an hour of traffic costs only the CPU its events need.
/// </summary>
public sealed class SimulatedTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<SimTimer, (long Due, long Sequence)> _timers = new();
    private readonly Action _queueStep;
    private long _now;
    private long _sequence;
    private Run? _run;

    public SimulatedTimeProvider(SimulationWork work)
        : this(new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero), work)
    {
    }

    public SimulatedTimeProvider(DateTimeOffset start, SimulationWork work)
    {
        Start = start;
        Work = work;
        work.TracksTicks = true;

        // Off the ending thread's turn and execution context: a grain timer tick must not pick up that turn's request context.
        _queueStep = () => ThreadPool.UnsafeQueueUserWorkItem(static clock => clock.Step(), this, preferLocal: false);
    }

    public DateTimeOffset Start { get; }

    /// <summary>Where fired ticks are counted until the grain timer that handles them finishes.</summary>
    public SimulationWork Work { get; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _now));

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override DateTimeOffset GetUtcNow() => Start + Elapsed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!SimulatorTimers.Creating)
        {

            return System.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new SimTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Fires timers in order until the clock reaches <paramref name="elapsed"/> (from <see cref="Start"/>), each
    /// only once the simulation is idle, so every consequence of one event lands first.
    /// </summary>
    /// <remarks>
    /// The next timer is fired by whichever thread ends the last piece of work (through the thread pool), not by
    /// this thread: waking a blocked thread for every step cost more than most steps take. This thread only waits
    /// for the run to end, and gives up when nothing has happened for <see cref="IdleTimeout"/>.
    /// </remarks>
    /// <returns>How many timer callbacks ran.</returns>
    /// <exception cref="TimeoutException">Work stayed in flight for <see cref="IdleTimeout"/> without progress (a tick lost with its activation, or a hung grain).</exception>
    public long RunUntil(TimeSpan elapsed)
    {
        var run = new Run(elapsed.Ticks);
        lock (_gate)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException("The simulated clock is already running");
            }

            _run = run;
        }

        Work.SetIdleHandler(_queueStep);
        try
        {
            Step();
            var progress = (Fired: -1L, Started: -1L);
            var since = Environment.TickCount64;
            while (!run.Done.Wait(TimeSpan.FromSeconds(1)))
            {
                var now = (Interlocked.Read(ref run.Fired), Work.Started);
                if (now != progress)
                {
                    (progress, since) = (now, Environment.TickCount64);
                }
                else if (Environment.TickCount64 - since > (long)IdleTimeout.TotalMilliseconds)
                {
                    throw new TimeoutException($"{Work.Busy} simulation work items still in flight after {IdleTimeout}; the last timer fired was {LastFired ?? "none"} at {Elapsed}");
                }

                // Cheap insurance: a step nobody took (there should be none) is taken here.
                Step();
            }

            return Interlocked.Read(ref run.Fired);
        }
        finally
        {
            Work.SetIdleHandler(null);
            lock (_gate)
            {
                _run = null;
            }

            run.Dispose();
        }
    }

    /// <summary>What the last timer to fire was (its handler's description), for a run that got stuck.</summary>
    public string? LastFired { get; private set; }

    /// <summary>How long a run may go without any progress before it is declared stuck.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fires timers in order like <see cref="RunUntil(TimeSpan)"/>, on this thread, calling <paramref name="waitIdle"/> before each step.</summary>
    /// <param name="elapsed">Where the clock stops (from <see cref="Start"/>).</param>
    /// <param name="waitIdle">Blocks until the model is quiet.</param>
    /// <returns>How many timer callbacks ran.</returns>
    public long RunUntil(TimeSpan elapsed, Action waitIdle)
    {
        var end = elapsed.Ticks;
        long fired = 0;
        while (true)
        {
            waitIdle();
            SimTimer? next;
            lock (_gate)
            {
                next = TakeNext(end);
            }

            if (next is null)
            {
                Interlocked.Exchange(ref _now, Math.Max(Interlocked.Read(ref _now), end));
                waitIdle();
                return fired;
            }

            next.Fire();
            fired++;
        }
    }

    /// <summary>Under <see cref="_gate"/>: the next live timer due by <paramref name="end"/>, with the clock moved to it; null when none is.</summary>
    private SimTimer? TakeNext(long end)
    {
        while (_timers.TryPeek(out var candidate, out var priority))
        {
            if (priority.Due > end)
            {
                break;
            }

            _timers.Dequeue();
            if (candidate.IsScheduledAt(priority.Sequence))
            {
                Interlocked.Exchange(ref _now, Math.Max(_now, priority.Due));
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// One step of the current run, if the model is idle and no other thread is stepping: fires the next timer, or
    /// ends the run when none is due. Loops while a fired timer left no work behind (a cancelled one), because no
    /// work ending means nobody else would take the next step.
    /// </summary>
    private void Step()
    {
        while (true)
        {
            SimTimer? next;
            Run run;
            lock (_gate)
            {
                if (_run is not { Done.IsSet: false } current || current.Stepping || Work.Busy != 0)
                {
                    return;
                }

                run = current;
                next = TakeNext(run.End);
                if (next is null)
                {
                    Interlocked.Exchange(ref _now, Math.Max(_now, run.End));
                    run.Done.Set();
                    return;
                }

                run.Stepping = true;
            }

            next.Fire();
            Interlocked.Increment(ref run.Fired);
            lock (_gate)
            {
                run.Stepping = false;
            }

            // The tick may already have ended while this thread held the step, and its end found the step taken.
            if (Work.Busy != 0)
            {
                return;
            }
        }
    }

    private long Schedule(SimTimer timer, long due)
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            _timers.Enqueue(timer, (due, sequence));
            return sequence;
        }
    }

    /// <summary>One call of <see cref="RunUntil(TimeSpan)"/>: where it stops, whether a thread is firing a timer for it, and whether it is over.</summary>
    private sealed class Run(long end) : IDisposable
    {
        public readonly ManualResetEventSlim Done = new();
        public long Fired;
        public bool Stepping;

        public long End { get; } = end;

        public void Dispose() => Done.Dispose();
    }

    private sealed class SimTimer(SimulatedTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _scheduled;
        private long _period = -1;
        private bool _disposed;

        public bool IsScheduledAt(long sequence)
        {
            lock (this)
            {
                return !_disposed && _scheduled == sequence;
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (this)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? -1 : period.Ticks;
                _scheduled = dueTime == Timeout.InfiniteTimeSpan
                    ? 0
                    : owner.Schedule(this, owner.GetTimestamp() + Math.Max(0, dueTime.Ticks));
                return true;
            }
        }

        public void Fire()
        {
            lock (this)
            {
                if (_disposed)
                {
                    return;
                }

                _scheduled = _period > 0 ? owner.Schedule(this, owner.GetTimestamp() + _period) : 0;
            }

            // Counted until the grain timer's handler ends it (GrainTimers); Orleans only queues the tick here.
            owner.Work.Begin();
            owner.LastFired = state?.ToString();
            callback(state);
        }

        public void Dispose()
        {
            lock (this)
            {
                _disposed = true;
                _scheduled = 0;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
