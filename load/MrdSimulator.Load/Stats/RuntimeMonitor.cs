using System.Diagnostics;

namespace MrdSimulator.Load.Stats;

/// <summary>Samples the driver's own CPU, memory, GC and thread pool so that a saturated generator is visible.</summary>
public sealed class RuntimeMonitor
{
    private readonly Process _process = Process.GetCurrentProcess();
    private TimeSpan _lastCpu;
    private long _lastTicks;
    private TimeSpan _lastPause;

    public RuntimeMonitor()
    {
        _lastCpu = _process.TotalProcessorTime;
        _lastTicks = Stopwatch.GetTimestamp();
        _lastPause = GC.GetTotalPauseDuration();
    }

    public List<RuntimeSample> Samples { get; } = [];

    public RuntimeSample Sample(double elapsedSeconds, long inFlight)
    {
        _process.Refresh();
        var now = Stopwatch.GetTimestamp();
        var cpu = _process.TotalProcessorTime;
        var wall = Stopwatch.GetElapsedTime(_lastTicks, now);
        var pause = GC.GetTotalPauseDuration();
        var cpuPercent = wall.TotalMilliseconds <= 0
            ? 0
            : (cpu - _lastCpu).TotalMilliseconds / (wall.TotalMilliseconds * Environment.ProcessorCount) * 100;
        var pausePercent = wall.TotalMilliseconds <= 0 ? 0 : (pause - _lastPause).TotalMilliseconds / wall.TotalMilliseconds * 100;
        _lastCpu = cpu;
        _lastTicks = now;
        _lastPause = pause;
        var sample = new RuntimeSample(
            Math.Round(elapsedSeconds, 3),
            Math.Round(cpuPercent, 1),
            Math.Round(_process.WorkingSet64 / 1048576.0, 1),
            Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            Math.Round(pausePercent, 2),
            ThreadPool.PendingWorkItemCount,
            ThreadPool.ThreadCount,
            inFlight);
        Samples.Add(sample);
        return sample;
    }
}
