using System.Collections.Concurrent;
using System.Diagnostics;
using MrdSimulator.Load.Stats;
using MrdSimulator.Load.Thresholds;

namespace MrdSimulator.Load.Engine;

public sealed record WeightedScenario(IScenario Scenario, double Weight);

/// <summary>Scenarios that share one load timeline; virtual users / arrivals are split between them by weight.</summary>
public sealed record ScenarioGroup(IReadOnlyList<WeightedScenario> Scenarios, IReadOnlyList<LoadSimulation> Load, TimeSpan WarmUp)
{
    public bool IsOpen => Load.Any(l => l.IsOpen);

    public TimeSpan Duration => TimeSpan.FromTicks(Load.Sum(l => l.During.Ticks));
}

public sealed record EngineOptions
{
    public string TestName { get; init; } = "mrdload";

    public string BaseUrl { get; init; } = "";

    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Open model: time from the intended send time (true) or from the actual start (false).</summary>
    public bool CoordinatedOmissionCorrection { get; init; } = true;

    public ArrivalPattern ArrivalPattern { get; init; } = ArrivalPattern.Uniform;

    public int Seed { get; init; } = 42;

    /// <summary>How long iterations still running at the end of the timeline may take before they are cancelled.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxQueuedArrivals { get; init; } = 100_000;

    public int DefaultMaxVirtualUsers { get; init; } = 10_000;

    public long MaxFailCount { get; init; } = 5_000;

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    /// <summary>Live thresholds marked 'abort' are checked only after this much run time.</summary>
    public TimeSpan ThresholdsStartAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Abort when every request fails with a connection error for this long.</summary>
    public TimeSpan UnreachableAfter { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>What a live view receives once per report interval.</summary>
public sealed record LiveSnapshot(
    string Phase,
    TimeSpan Elapsed,
    TimeSpan Total,
    IReadOnlyList<StepSummary> Steps,
    RuntimeSample? Runtime,
    NotificationSummary Notifications,
    IReadOnlyList<ThresholdResult> Thresholds)
{
    /// <summary>Task accounting so far (final buckets only after the run).</summary>
    public TaskSummary? Tasks { get; init; }
}

public interface IRunObserver
{
    void OnPhase(string phase, string detail);

    void OnInterval(LiveSnapshot snapshot);
}

/// <summary>Hooks the engine calls so that correlation counters follow the phases.</summary>
public interface IRunHooks
{
    NotificationSummary Notifications { get; }

    /// <summary>Called after warm-up, before the measured run: forget what warm-up produced.</summary>
    void ResetAfterWarmUp();

    /// <summary>Called when the timeline is over and iterations drained: settle pending notifications.</summary>
    Task SettleAsync(CancellationToken cancellationToken);

    /// <summary>Task accounting (null when the run has no task scenario).</summary>
    TaskSummary? Tasks => null;
}

/// <summary>Runs init → warm-up → run → clean for scenario groups and produces a <see cref="RunResult"/>.</summary>
public sealed class LoadEngine
{
    private readonly EngineOptions _options;
    private readonly IRunObserver? _observer;
    private readonly IRunHooks? _hooks;
    private readonly LatencyHistogram _schedulerLag = new(2);
    private readonly List<string> _warnings = [];
    private long _dropped;

    public LoadEngine(EngineOptions options, IRunObserver? observer = null, IRunHooks? hooks = null)
    {
        _options = options;
        _observer = observer;
        _hooks = hooks;
    }

    public async Task<RunResult> RunAsync(IReadOnlyList<ScenarioGroup> groups, CancellationToken cancellationToken = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        EnsureThreadPoolHeadroom();
        using var control = new RunControl(_options.MaxFailCount);
        using var external = cancellationToken.Register(() => control.Abort("cancelled by the user"));
        var registry = new StatsRegistry(control);
        var monitor = new RuntimeMonitor();
        var scenarios = groups.SelectMany(g => g.Scenarios.Select(s => s.Scenario)).ToList();
        var pools = scenarios.ToDictionary(
            s => s,
            s => new VirtualUserPool(s, s.MaxVirtualUsers ?? _options.DefaultMaxVirtualUsers, _options.Seed, registry.Step(s.Name, "(unhandled)")));
        var runDuration = TimeSpan.Zero;
        var thresholdResults = (IReadOnlyList<ThresholdResult>)[];
        var initialized = new List<IScenario>();
        NotificationSummary? finalNotifications = null;

        try
        {
            // Init.
            _observer?.OnPhase("init", string.Join(", ", scenarios.Select(s => s.Name)));
            foreach (var scenario in scenarios)
            {
                using var initCts = CancellationTokenSource.CreateLinkedTokenSource(control.Stopping);
                initCts.CancelAfter(_options.InitTimeout);
                try
                {
                    initialized.Add(scenario);
                    await scenario.InitAsync(new ScenarioContext(scenario.Name, registry, control, _options.Seed), initCts.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !control.Stopping.IsCancellationRequested)
                {
                    control.Abort($"init of scenario '{scenario.Name}' failed: {Describe(ex)}");
                }

                if (control.Stopping.IsCancellationRequested)
                {
                    break;
                }
            }

            // Warm-up.
            if (!control.Stopping.IsCancellationRequested && groups.Any(g => g.WarmUp > TimeSpan.Zero))
            {
                _observer?.OnPhase("warm-up", Durations.Format(groups.Max(g => g.WarmUp)));
                control.CountFailures = false;
                await RunGroupsAsync(
                    groups.Where(g => g.WarmUp > TimeSpan.Zero).Select(g => g with { Load = Truncate(g.Load, g.WarmUp) }).ToList(),
                    pools,
                    control,
                    registry);
                registry.ResetAll();
                _hooks?.ResetAfterWarmUp();
                _schedulerLag.Reset();
                Interlocked.Exchange(ref _dropped, 0);
                control.ResetCounters();
                control.CountFailures = true;
            }

            // Run.
            if (!control.Stopping.IsCancellationRequested)
            {
                _hooks?.ResetAfterWarmUp(); // what init (and warm-up) sent is not part of the measured run
                var total = groups.Count == 0 ? TimeSpan.Zero : groups.Max(g => g.Duration);
                _observer?.OnPhase("run", string.Join("; ", groups.SelectMany(g => g.Load).Select(l => l.Describe())));
                var runStart = Stopwatch.GetTimestamp();
                using var intervalStop = new CancellationTokenSource();
                var intervals = IntervalLoopAsync(registry, monitor, control, runStart, total, intervalStop.Token);
                await RunGroupsAsync(groups, pools, control, registry);
                runDuration = Stopwatch.GetElapsedTime(runStart);
                if (runDuration > total && total > TimeSpan.Zero && control.AbortReason is null)
                {
                    runDuration = total; // rates are per scheduled time; drain time is not load time
                }

                if (_hooks is not null)
                {
                    using var settleCts = new CancellationTokenSource(_options.DrainTimeout);
                    await _hooks.SettleAsync(settleCts.Token);
                    finalNotifications = _hooks.Notifications;
                }

                await intervalStop.CancelAsync();
                await intervals;
                CloseIntervals(registry, Stopwatch.GetElapsedTime(runStart), monitor, control, final: true);
            }
        }
        finally
        {
            // Clean runs even after an abort.
            _observer?.OnPhase("clean", "");
            foreach (var scenario in initialized)
            {
                using var cleanCts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await scenario.CleanAsync(cleanCts.Token);
                }
                catch (Exception ex)
                {
                    _warnings.Add($"clean of scenario '{scenario.Name}' failed: {Describe(ex)}");
                }
            }
        }

        var notifications = finalNotifications ?? _hooks?.Notifications ?? EmptyNotifications;
        var recorders = registry.All;
        var tasks = _hooks?.Tasks;
        thresholdResults = ThresholdEvaluator.Evaluate(_options.Thresholds, recorders, notifications, runDuration, tasks);
        AddHealthWarnings(monitor);
        return new RunResult(
            Guid.NewGuid().ToString("N")[..12],
            _options.TestName,
            startedAt,
            Math.Round(runDuration.TotalSeconds, 3),
            _options.BaseUrl,
            scenarios.Select(s => s.Name).ToList(),
            groups.SelectMany(g => g.Load.Select(l => l.Describe())).ToList(),
            _options.CoordinatedOmissionCorrection,
            recorders.Where(r => r.Ok.TotalCount + r.Fail.TotalCount > 0).Select(r => StepSummary.From(r, runDuration)).ToList(),
            notifications,
            monitor.Samples.ToList(),
            thresholdResults,
            control.AbortReason,
            _warnings.ToList())
        {
            Generator = new GeneratorHealth(
                Math.Round(_schedulerLag.ValueAtPercentile(50) / 1000.0, 3),
                Math.Round(_schedulerLag.ValueAtPercentile(99) / 1000.0, 3),
                Math.Round(_schedulerLag.Max / 1000.0, 3),
                Interlocked.Read(ref _dropped),
                monitor.Samples.Count == 0 ? 0 : monitor.Samples.Max(s => s.CpuPercent)),
            Tasks = tasks,
        };
    }

    /// <summary>
    /// The thread pool starts with one thread per core and adds threads slowly; a burst of new connections at the
    /// start of a run would then wait for threads and arrive late. Raise the floor once.
    /// </summary>
    private static void EnsureThreadPoolHeadroom()
    {
        ThreadPool.GetMinThreads(out var worker, out var io);
        var factor = int.TryParse(Environment.GetEnvironmentVariable("MRDLOAD_MIN_THREADS_PER_CORE"), out var f) ? f : 16;
        var wanted = Math.Max(worker, Environment.ProcessorCount * factor);
        if (wanted > worker)
        {
            ThreadPool.SetMinThreads(wanted, Math.Max(io, wanted));
        }
    }

    public static readonly NotificationSummary EmptyNotifications = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private static List<LoadSimulation> Truncate(IReadOnlyList<LoadSimulation> load, TimeSpan limit)
    {
        var result = new List<LoadSimulation>();
        var left = limit;
        foreach (var sim in load)
        {
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var during = sim.During < left ? sim.During : left;
            result.Add(sim switch
            {
                KeepConstant k => k with { During = during },
                RampingConstant r => r with { During = during },
                Inject i => i with { During = during, Interval = i.Interval < during ? i.Interval : during, Rate = i.Interval < during ? i.Rate : i.Rate * during / i.Interval },
                RampingInject r => r with { During = during, Interval = r.Interval < during ? r.Interval : during, Rate = r.Interval < during ? r.Rate : r.Rate * during / r.Interval },
                InjectRandom ir => ir with { During = during, Interval = ir.Interval < during ? ir.Interval : during },
                _ => new Pause(during),
            });
            left -= during;
        }

        return result;
    }

    private async Task RunGroupsAsync(
        IReadOnlyList<ScenarioGroup> groups, Dictionary<IScenario, VirtualUserPool> pools, RunControl control, StatsRegistry registry)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(control.Stopping);
        var tasks = new List<Task>();
        foreach (var group in groups)
        {
            var groupPools = group.Scenarios.Select(s => (pools[s.Scenario], s.Weight)).ToList();
            tasks.Add(group.IsOpen
                ? RunOpenAsync(group, groupPools, control, hardStop, registry)
                : RunClosedAsync(group, groupPools, control, hardStop));
        }

        await Task.WhenAll(tasks);
    }

    private async Task RunClosedAsync(
        ScenarioGroup group, List<(VirtualUserPool Pool, double Weight)> pools, RunControl control, CancellationTokenSource hardStop)
    {
        var timeline = new ClosedTimeline(group.Load);
        var picker = new WeightedPicker(pools.Select(p => p.Weight).ToList());
        var active = new List<ClosedUser>();
        var start = Stopwatch.GetTimestamp();
        var loops = new List<Task>();
        while (!control.Stopping.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= timeline.Duration)
            {
                break;
            }

            var desired = timeline.CopiesAt(elapsed.TotalSeconds);
            while (active.Count < desired)
            {
                var pool = pools[picker.Next()].Pool;
                if (!pool.TryRent(out var slot))
                {
                    AddWarning($"scenario '{pool.Scenario.Name}' has no more virtual users (limit {pool.Max}); closed load capped");
                    break;
                }

                var user = new ClosedUser(slot, pool);
                active.Add(user);
                loops.Add(ClosedLoopAsync(user, control, hardStop.Token));
            }

            while (active.Count > desired)
            {
                active[^1].RequestStop();
                active.RemoveAt(active.Count - 1);
            }

            try
            {
                await Task.Delay(20, control.Stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        foreach (var user in active)
        {
            user.RequestStop();
        }

        await DrainAsync(loops, hardStop);
    }

    private async Task ClosedLoopAsync(ClosedUser user, RunControl control, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (!user.Stop && !cancellationToken.IsCancellationRequested)
            {
                await RunIterationAsync(user.Slot, user.Pool, Stopwatch.GetTimestamp(), control, cancellationToken, user.StopToken);
            }
        }
        finally
        {
            user.Pool.Return(user.Slot);
            user.Dispose();
        }
    }

    private async Task RunOpenAsync(
        ScenarioGroup group,
        List<(VirtualUserPool Pool, double Weight)> pools,
        RunControl control,
        CancellationTokenSource hardStop,
        StatsRegistry registry)
    {
        var schedule = new ArrivalSchedule(group.Load, _options.ArrivalPattern, _options.Seed);
        var picker = new WeightedPicker(pools.Select(p => p.Weight).ToList());
        var inFlight = new ConcurrentDictionary<Task, byte>();
        var dropSteps = pools.Select(p => registry.Step(p.Pool.Scenario.Name, "(dispatch)")).ToList();
        var freq = (double)Stopwatch.Frequency;
        var halfMs = Stopwatch.Frequency / 2000;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timelineOver = new CancellationTokenSource();
        var softStop = timelineOver.Token;

        // The scheduler is a dedicated thread: arrivals are started when due whatever the responses do;
        // iterations run on the thread pool after their first await.
        var scheduler = new Thread(() =>
        {
            try
            {
                Schedule();
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "mrdload-scheduler",
            Priority = ThreadPriority.AboveNormal,
        };
        scheduler.Start();
        await done.Task;
        await timelineOver.CancelAsync();

        // Arrivals still queued for a virtual user run as users free up; wait for them and for in-flight ones.
        var drainStart = Stopwatch.GetTimestamp();
        while ((!inFlight.IsEmpty || pools.Any(p => !p.Pool.Queue.IsEmpty)) &&
               Stopwatch.GetElapsedTime(drainStart) < _options.DrainTimeout &&
               !control.Stopping.IsCancellationRequested)
        {
            foreach (var (pool, _) in pools)
            {
                pool.KickQueue(this, control, inFlight, hardStop.Token, softStop);
            }

            await Task.Delay(10);
        }

        await DrainAsync(inFlight.Keys.ToList(), hardStop);

        void Schedule()
        {
            var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
            while (!control.Stopping.IsCancellationRequested && schedule.TryNext(out var offset))
            {
                var intended = start + (long)(offset * freq);
                var now = Stopwatch.GetTimestamp();
                while (intended - now > halfMs)
                {
                    Thread.Sleep(1);
                    now = Stopwatch.GetTimestamp();
                }

                if (control.Stopping.IsCancellationRequested)
                {
                    break;
                }

                if (now > intended)
                {
                    _schedulerLag.RecordTicks(now - intended);
                }

                var index = picker.Next();
                var pool = pools[index].Pool;
                if (pool.TryRent(out var slot))
                {
                    // Early by at most half a millisecond: then the actual start is the honest origin.
                    var origin = _options.CoordinatedOmissionCorrection ? Math.Min(intended, now) : now;
                    var task = OpenArrivalAsync(slot, pool, origin, control, hardStop.Token, softStop);
                    if (!task.IsCompleted)
                    {
                        inFlight.TryAdd(task, 0);
                        _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), inFlight, TaskScheduler.Default);
                    }
                }
                else if (pool.Queue.Count < _options.MaxQueuedArrivals)
                {
                    pool.Queue.Enqueue(intended);
                    pool.KickQueue(this, control, inFlight, hardStop.Token, softStop);
                }
                else
                {
                    Interlocked.Increment(ref _dropped);
                    dropSteps[index].Record(false, StatusCodes.Dropped, 0);
                }
            }
        }
    }

    internal async Task OpenArrivalAsync(
        VirtualUserSlot slot, VirtualUserPool pool, long origin, RunControl control, CancellationToken cancellationToken, CancellationToken softStop)
    {
        try
        {
            await RunIterationAsync(slot, pool, origin, control, cancellationToken, softStop);
            // Serve arrivals that queued while every virtual user was busy.
            while (!cancellationToken.IsCancellationRequested && pool.Queue.TryDequeue(out var intended))
            {
                var now = Stopwatch.GetTimestamp();
                await RunIterationAsync(slot, pool, _options.CoordinatedOmissionCorrection ? intended : now, control, cancellationToken, softStop);
            }
        }
        finally
        {
            pool.Return(slot);
        }
    }

    private async Task RunIterationAsync(
        VirtualUserSlot slot, VirtualUserPool pool, long origin, RunControl control, CancellationToken cancellationToken, CancellationToken softStop)
    {
        control.EnterIteration();
        try
        {
            slot.Context.Begin(origin, cancellationToken, softStop);
            await slot.User.RunIterationAsync(slot.Context);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            pool.Unhandled.Record(false, StatusCodes.Exception, Stopwatch.GetTimestamp() - origin);
            AddWarning($"scenario '{pool.Scenario.Name}' iteration threw {Describe(ex)}");
        }
        finally
        {
            control.ExitIteration();
        }
    }

    private async Task DrainAsync(IReadOnlyCollection<Task> tasks, CancellationTokenSource hardStop)
    {
        var all = Task.WhenAll(tasks);
        var finished = await Task.WhenAny(all, Task.Delay(_options.DrainTimeout));
        if (finished != all)
        {
            AddWarning($"{tasks.Count(t => !t.IsCompleted)} iterations still running {Durations.Format(_options.DrainTimeout)} after the end; cancelled");
            await hardStop.CancelAsync();
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2)));
        }
    }

    private async Task IntervalLoopAsync(
        StatsRegistry registry, RuntimeMonitor monitor, RunControl control, long runStart, TimeSpan total, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.ReportInterval);
        var unreachableSince = -1.0;
        long lastConnErrors = 0;
        long lastSuccesses = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var elapsed = Stopwatch.GetElapsedTime(runStart);
                var sample = CloseIntervals(registry, elapsed, monitor, control, final: false);

                // An unreachable target: only connection errors, no success, for a while.
                var connErrors = control.ConnectionErrors - lastConnErrors;
                var successes = control.Successes - lastSuccesses;
                lastConnErrors = control.ConnectionErrors;
                lastSuccesses = control.Successes;
                if (connErrors > 0 && successes == 0)
                {
                    if (unreachableSince < 0)
                    {
                        unreachableSince = elapsed.TotalSeconds - _options.ReportInterval.TotalSeconds;
                    }

                    if (elapsed.TotalSeconds - unreachableSince >= _options.UnreachableAfter.TotalSeconds)
                    {
                        control.Abort($"target {_options.BaseUrl} unreachable: {control.ConnectionErrors} connection errors and no successful request for {Durations.Format(_options.UnreachableAfter)}");
                    }
                }
                else
                {
                    unreachableSince = -1;
                }

                var notifications = _hooks?.Notifications ?? EmptyNotifications;
                var recorders = registry.All;
                var thresholds = ThresholdEvaluator.Evaluate(_options.Thresholds, recorders, notifications, elapsed, _hooks?.Tasks);
                if (elapsed >= _options.ThresholdsStartAfter)
                {
                    for (var i = 0; i < thresholds.Count; i++)
                    {
                        if (_options.Thresholds[i].Abort && !thresholds[i].Passed)
                        {
                            control.Abort($"threshold '{thresholds[i].Expression}' failed live (actual {thresholds[i].Actual})");
                        }
                    }
                }

                _observer?.OnInterval(new LiveSnapshot(
                    "run",
                    elapsed,
                    total,
                    recorders.Where(r => r.Ok.TotalCount + r.Fail.TotalCount > 0).Select(r => StepSummary.From(r, elapsed, includeIntervals: false)).ToList(),
                    sample,
                    notifications,
                    thresholds)
                {
                    Tasks = _hooks?.Tasks,
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private RuntimeSample CloseIntervals(StatsRegistry registry, TimeSpan elapsed, RuntimeMonitor monitor, RunControl control, bool final)
    {
        var recorders = registry.All;
        foreach (var r in recorders)
        {
            var last = r.Intervals.Count == 0 ? 0 : r.Intervals[^1].ElapsedSeconds;
            var length = elapsed.TotalSeconds - last;
            if (final && length < 0.05)
            {
                continue;
            }

            r.CloseInterval(elapsed, TimeSpan.FromSeconds(length));
        }

        return monitor.Sample(elapsed.TotalSeconds, control.InFlight);
    }

    private void AddHealthWarnings(RuntimeMonitor monitor)
    {
        var hot = monitor.Samples.Count(s => s.CpuPercent >= 90);
        if (hot > 0)
        {
            AddWarning($"the driver used ≥ 90 % CPU in {hot} of {monitor.Samples.Count} intervals: the generator may be saturated and the numbers understate the target");
        }

        if (Interlocked.Read(ref _dropped) > 0)
        {
            AddWarning($"{_dropped} arrivals were dropped because every virtual user was busy and the queue was full");
        }

        var lagP99 = _schedulerLag.ValueAtPercentile(99) / 1000.0;
        if (lagP99 > 10)
        {
            AddWarning($"the open-model scheduler ran late (p99 lag {lagP99:0.#} ms): the generator is overloaded");
        }
    }

    private void AddWarning(string warning)
    {
        lock (_warnings)
        {
            if (!_warnings.Contains(warning) && _warnings.Count < 50)
            {
                _warnings.Add(warning);
            }
        }
    }

    internal static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && (inner is AggregateException || inner is HttpRequestException { InnerException: not null }))
        {
            inner = inner.InnerException;
        }

        return inner == ex ? $"{ex.GetType().Name}: {ex.Message}" : $"{ex.Message} ({inner.GetType().Name}: {inner.Message})";
    }

    private sealed class ClosedUser(VirtualUserSlot slot, VirtualUserPool pool) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public VirtualUserSlot Slot { get; } = slot;

        public VirtualUserPool Pool { get; } = pool;

        public bool Stop => _stop.IsCancellationRequested;

        /// <summary>Ends the loop after the current iteration, and tells that iteration to wind down.</summary>
        public CancellationToken StopToken => _stop.Token;

        public void RequestStop()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The loop already ended.
            }
        }

        public void Dispose() => _stop.Dispose();
    }
}

internal sealed class VirtualUserSlot(IVirtualUser user, IterationContext context)
{
    public IVirtualUser User { get; } = user;

    public IterationContext Context { get; } = context;
}

/// <summary>Virtual users of one scenario; an idle user is reused (it keeps its agent and state).</summary>
internal sealed class VirtualUserPool(IScenario scenario, int max, int seed, StepRecorder unhandled)
{
    private readonly ConcurrentStack<VirtualUserSlot> _idle = new();
    private int _created;

    public IScenario Scenario { get; } = scenario;

    public int Max { get; } = max;

    public ConcurrentQueue<long> Queue { get; } = new();

    public StepRecorder Unhandled { get; } = unhandled;

    public bool TryRent(out VirtualUserSlot slot)
    {
        if (_idle.TryPop(out slot!))
        {
            return true;
        }

        var index = Interlocked.Increment(ref _created) - 1;
        if (index >= Max)
        {
            Interlocked.Decrement(ref _created);
            slot = null!;
            return false;
        }

        slot = new VirtualUserSlot(Scenario.CreateVirtualUser(index), new IterationContext(index, seed + index));
        return true;
    }

    public void Return(VirtualUserSlot slot) => _idle.Push(slot);

    /// <summary>Starts queued arrivals on idle users (a user returned just after an arrival queued).</summary>
    public void KickQueue(
        LoadEngine engine, RunControl control, ConcurrentDictionary<Task, byte> inFlight, CancellationToken cancellationToken, CancellationToken softStop)
    {
        while (!Queue.IsEmpty && _idle.TryPop(out var slot))
        {
            if (!Queue.TryDequeue(out var intended))
            {
                _idle.Push(slot);
                return;
            }

            var task = engine.OpenArrivalAsync(slot, this, intended, control, cancellationToken, softStop);
            inFlight.TryAdd(task, 0);
            _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), inFlight, TaskScheduler.Default);
        }
    }
}

/// <summary>Smooth weighted round-robin: exact proportions, deterministic, no randomness needed.</summary>
internal sealed class WeightedPicker
{
    private readonly double[] _weights;
    private readonly double[] _current;
    private readonly double _total;

    public WeightedPicker(IReadOnlyList<double> weights)
    {
        _weights = weights.Select(w => Math.Max(0, w)).ToArray();
        _current = new double[_weights.Length];
        _total = _weights.Sum();
        if (_total <= 0)
        {
            _weights = Enumerable.Repeat(1.0, _weights.Length).ToArray();
            _total = _weights.Length;
        }
    }

    public int Next()
    {
        if (_weights.Length == 1)
        {
            return 0;
        }

        var best = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            _current[i] += _weights[i];
            if (_current[i] > _current[best])
            {
                best = i;
            }
        }

        _current[best] -= _total;
        return best;
    }
}
