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
    private long _busy;

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

    public void Begin()
    {
        lock (_gate)
        {
            _busy++;
        }
    }

    public void End()
    {
        lock (_gate)
        {
            if (--_busy < 0)
            {
                throw new InvalidOperationException("Simulation work ended more often than it began");
            }

            if (_busy == 0)
            {
                Monitor.PulseAll(_gate);
            }
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

    /// <summary>Blocks until nothing is in flight.</summary>
    /// <exception cref="TimeoutException">Work stayed in flight for <paramref name="timeout"/> (a tick lost with its activation, or a hung grain).</exception>
    public void WaitIdle(TimeSpan timeout)
    {
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
