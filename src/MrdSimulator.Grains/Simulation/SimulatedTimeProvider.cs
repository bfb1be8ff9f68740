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
    private long _now;
    private long _sequence;

    public SimulatedTimeProvider(SimulationWork work)
        : this(new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero), work)
    {
    }

    public SimulatedTimeProvider(DateTimeOffset start, SimulationWork work)
    {
        Start = start;
        Work = work;
        work.TracksTicks = true;
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
    /// Fires timers in order until the clock reaches <paramref name="elapsed"/> (from <see cref="Start"/>), waiting
    /// before each step until the simulation is idle, so every consequence of one event lands first.
    /// </summary>
    /// <returns>How many timer callbacks ran.</returns>
    public long RunUntil(TimeSpan elapsed) => RunUntil(elapsed, WaitIdle);

    /// <summary>What the last timer to fire was (its handler's description), for a run that got stuck.</summary>
    public string? LastFired { get; private set; }

    /// <summary>How long one step may take before the run is declared stuck.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc cref="RunUntil(TimeSpan)"/>
    /// <param name="waitIdle">Blocks until the model is quiet.</param>
    public long RunUntil(TimeSpan elapsed, Action waitIdle)
    {
        var end = elapsed.Ticks;
        long fired = 0;
        while (true)
        {
            waitIdle();
            SimTimer? next = null;
            lock (_gate)
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
                        next = candidate;
                        Interlocked.Exchange(ref _now, Math.Max(_now, priority.Due));
                        break;
                    }
                }
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

    private void WaitIdle()
    {
        try
        {
            Work.WaitIdle(IdleTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; the last timer fired was {LastFired ?? "none"} at {Elapsed}", ex);
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
