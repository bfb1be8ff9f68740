using System.Diagnostics;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Engine;

/// <summary>
/// A scenario: init once, then virtual users run iterations (looping in a closed model, one per arrival in an
/// open model), then clean once. Steps inside an iteration are timed separately through <see cref="StepRecorder"/>s
/// obtained from <see cref="ScenarioContext.Step"/> at init.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>Upper bound of concurrent virtual users (e.g. the number of agents in the feed); null = unbounded.</summary>
    int? MaxVirtualUsers { get; }

    Task InitAsync(ScenarioContext context, CancellationToken cancellationToken);

    IVirtualUser CreateVirtualUser(int index);

    Task CleanAsync(CancellationToken cancellationToken);
}

public interface IVirtualUser
{
    ValueTask RunIterationAsync(IterationContext context);
}

/// <summary>What a scenario gets at init: statistics, run-wide control and options.</summary>
public sealed class ScenarioContext(string scenarioName, StatsRegistry stats, RunControl control, int seed)
{
    public string ScenarioName { get; } = scenarioName;

    public StatsRegistry Stats { get; } = stats;

    public RunControl Control { get; } = control;

    public int Seed { get; } = seed;

    public StepRecorder Step(string stepName) => Stats.Step(ScenarioName, stepName);
}

/// <summary>
/// Per-iteration context, reused by its virtual user. <see cref="OriginTicks"/> is the iteration's intended
/// start in an open model with coordinated-omission correction (otherwise its actual start); the first step
/// of an iteration is timed from it.
/// </summary>
public sealed class IterationContext(int virtualUserIndex, int seed)
{
    private bool _originUsed;

    public int VirtualUserIndex { get; } = virtualUserIndex;

    public Random Random { get; } = new(seed);

    public long OriginTicks { get; private set; }

    public long InvocationNumber { get; private set; }

    public CancellationToken CancellationToken { get; private set; }

    /// <summary>
    /// Fires when the virtual user should wind down (its closed-model slot ends, or the open-model timeline is
    /// over): iterations that wait for work (task-handling) finish what they hold and sign out instead of being
    /// cancelled hard by <see cref="CancellationToken"/> after the drain timeout.
    /// </summary>
    public CancellationToken StopRequested { get; private set; }

    /// <summary>Start timestamp for the next step: the origin for the first step, now for later ones.</summary>
    public long NextStepStart()
    {
        if (!_originUsed)
        {
            _originUsed = true;
            return OriginTicks;
        }

        return Stopwatch.GetTimestamp();
    }

    internal void Begin(long originTicks, CancellationToken cancellationToken, CancellationToken stopRequested = default)
    {
        OriginTicks = originTicks;
        _originUsed = false;
        InvocationNumber++;
        CancellationToken = cancellationToken;
        StopRequested = stopRequested;
    }
}

/// <summary>Registry of all step recorders of a run.</summary>
public sealed class StatsRegistry(RunControl control)
{
    private readonly Lock _lock = new();
    private readonly List<StepRecorder> _all = [];
    private readonly Dictionary<(string, string), StepRecorder> _byName = [];

    public StepRecorder Step(string scenario, string step)
    {
        lock (_lock)
        {
            if (!_byName.TryGetValue((scenario, step), out var recorder))
            {
                recorder = new StepRecorder(scenario, step) { Control = control, Registry = this };
                _byName[(scenario, step)] = recorder;
                _all.Add(recorder);
            }

            return recorder;
        }
    }

    public IReadOnlyList<StepRecorder> All
    {
        get
        {
            lock (_lock)
            {
                return _all.ToList();
            }
        }
    }

    /// <summary>Forgets what warm-up recorded: recorders are replaced by fresh ones (scenarios keep references, so reset in place).</summary>
    public void ResetAll()
    {
        foreach (var r in All)
        {
            r.Reset();
        }
    }
}
