namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Marks the timers the simulator's grains create (through <see cref="GrainTimers"/>). Orleans gives its own
/// system targets' timers the grains' clock too; the simulated and scaled clocks hand every unmarked timer to real
/// time, so only the model runs on simulated time and the runtime's housekeeping keeps its real pace.
/// </summary>
internal static class SimulatorTimers
{
    [ThreadStatic]
    private static bool t_creating;

    /// <summary>True while a simulator grain is creating a timer on this thread.</summary>
    public static bool Creating => t_creating;

    public static Scope Create() => new();

    public readonly struct Scope : IDisposable
    {
        public Scope() => t_creating = true;

        public void Dispose() => t_creating = false;
    }
}
