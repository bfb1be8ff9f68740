namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// One-shot grain timers for the simulation: on the grains' clock (simulated time), keeping the activation alive
/// until they fire, counted by <see cref="SimulationWork"/>, and good for durations past the 49.7 days a single
/// Orleans timer accepts (a year-long maxTaskDuration is re-armed in steps).
/// </summary>
internal static class GrainTimers
{
    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(40);

    /// <summary>Runs <paramref name="callback"/> once after <paramref name="due"/>; dispose the result to cancel.</summary>
    public static IDisposable After(this Grain grain, TimeSpan due, SimulationWork work, Func<Task> callback)
    {
        var handle = new OneShot();
        Arm(grain, handle, due < TimeSpan.Zero ? TimeSpan.Zero : due, work, callback);
        return handle;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> every <paramref name="period"/> until disposed. Each tick arms the next before
    /// it ends, so a discrete-event clock never sees a gap in which the timer is not scheduled.
    /// </summary>
    public static IDisposable Every(this Grain grain, TimeSpan period, SimulationWork work, Func<Task> callback)
    {
        var periodic = new Periodic();
        void ArmNext() => periodic.Current = grain.After(period, work, async () =>
        {
            await callback();
            if (!periodic.Cancelled)
            {
                ArmNext();
            }
        });

        ArmNext();
        return periodic;
    }

    private static void Arm(Grain grain, OneShot handle, TimeSpan due, SimulationWork work, Func<Task> callback)
    {
        var step = due > MaxStep ? MaxStep : due;
        var left = due - step;
        if (step == TimeSpan.Zero)
        {
            work.ImmediateTickQueued();
        }

        using var mark = SimulatorTimers.Create();
        handle.Timer = grain.RegisterGrainTimer(
            static async (state, _) =>
            {
                try
                {
                    var (grain, handle, left, work, callback) = state;
                    handle.Timer?.Dispose();
                    if (handle.Cancelled)
                    {
                        return;
                    }

                    if (left > TimeSpan.Zero)
                    {
                        Arm(grain, handle, left, work, callback);
                        return;
                    }

                    await callback();
                }
                finally
                {
                    state.work.TickEnded();
                }
            },
            (grain, handle, left, work, callback),
            new GrainTimerCreationOptions(step, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private sealed class Periodic : IDisposable
    {
        public IDisposable? Current { get; set; }

        public bool Cancelled { get; private set; }

        public void Dispose()
        {
            Cancelled = true;
            Current?.Dispose();
        }
    }

    private sealed class OneShot : IDisposable
    {
        public IGrainTimer? Timer { get; set; }

        public bool Cancelled { get; private set; }

        public void Dispose()
        {
            Cancelled = true;
            Timer?.Dispose();
        }
    }
}
