namespace MrdSimulator.Load.Stats;

/// <summary>Latency figures in milliseconds.</summary>
public sealed record LatencySummary(
    double MinMs,
    double MeanMs,
    double MaxMs,
    double StdDevMs,
    double P50Ms,
    double P75Ms,
    double P95Ms,
    double P99Ms,
    double P999Ms)
{
    public static LatencySummary From(LatencyHistogram h) => new(
        Ms(h.Min),
        Math.Round(h.Mean / 1000.0, 3),
        Ms(h.Max),
        Math.Round(h.StdDev / 1000.0, 3),
        Ms(h.ValueAtPercentile(50)),
        Ms(h.ValueAtPercentile(75)),
        Ms(h.ValueAtPercentile(95)),
        Ms(h.ValueAtPercentile(99)),
        Ms(h.ValueAtPercentile(99.9)));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

public sealed record StatusCount(int Code, long Count, string Message);

/// <summary>Final (or live) figures of one step, or of several merged steps.</summary>
public sealed record StepSummary(
    string Scenario,
    string Step,
    long Count,
    long Ok,
    long Fail,
    double FailPercent,
    double Rps,
    LatencySummary Latency,
    LatencySummary FailLatency,
    long BytesSent,
    long BytesReceived,
    IReadOnlyList<StatusCount> StatusCodes,
    IReadOnlyList<IntervalPoint> Intervals)
{
    public long Timeouts => StatusCodes.Where(s => s.Code == Stats.StatusCodes.Timeout).Sum(s => s.Count);

    /// <summary>Attempts after the first of this step's requests; they are the step <c>{Step}.retry</c>, not counted here.</summary>
    public long Retries { get; init; }

    /// <summary>Requests given up on after their last allowed attempt failed in a way a retry could have cured.</summary>
    public long GaveUp { get; init; }

    public static StepSummary From(StepRecorder r, TimeSpan duration, bool includeIntervals = true) =>
        Merge(r.Scenario, r.Step, [r], duration, includeIntervals) with { Retries = r.RetriesIfAny?.Count ?? 0, GaveUp = r.GaveUp };

    /// <summary>Merges recorders by adding histogram counts (percentiles are never averaged).</summary>
    public static StepSummary Merge(
        string scenario, string step, IReadOnlyList<StepRecorder> recorders, TimeSpan duration, bool includeIntervals = false)
    {
        var ok = new LatencyHistogram();
        var fail = new LatencyHistogram();
        var codes = new SortedDictionary<int, long>();
        long sent = 0;
        long received = 0;
        foreach (var r in recorders)
        {
            ok.Add(r.Ok);
            fail.Add(r.Fail);
            sent += r.BytesSent;
            received += r.BytesReceived;
            foreach (var (code, n) in r.StatusCounts())
            {
                codes[code] = codes.GetValueOrDefault(code) + n;
            }
        }

        var count = ok.TotalCount + fail.TotalCount;
        var seconds = Math.Max(duration.TotalSeconds, 1e-6);
        return new StepSummary(
            scenario,
            step,
            count,
            ok.TotalCount,
            fail.TotalCount,
            count == 0 ? 0 : Math.Round(100.0 * fail.TotalCount / count, 4),
            Math.Round(count / seconds, 2),
            LatencySummary.From(ok),
            LatencySummary.From(fail),
            sent,
            received,
            codes.Select(kv => new StatusCount(kv.Key, kv.Value, Stats.StatusCodes.Describe(kv.Key))).ToList(),
            includeIntervals && recorders.Count == 1 ? recorders[0].Intervals.ToList() : []);
    }
}

/// <summary>
/// Correlation counters: how requests matched their notifications. <see cref="Lost"/> and
/// <see cref="Contradicting"/> count what no fault explains (the threshold metrics); when the simulator's drop
/// records were consulted (<see cref="Attributed"/>), the totals and the explained parts are given as well.
/// Without attribution the unexplained counts are the totals.
/// </summary>
public sealed record NotificationSummary(
    long Expected,
    long Received,
    long Lost,
    long Duplicated,
    long OutOfOrder,
    long Contradicting,
    long Unexpected,
    long Unmatched,
    long ExpectedSilent,
    long Late)
{
    /// <summary>True when the simulator's records of what its faults cost were matched against the losses.</summary>
    public bool Attributed { get; init; }

    /// <summary>Every notification counted lost, explained or not.</summary>
    public long LostTotal { get; init; }

    /// <summary>Lost notifications the simulator recorded as costed by a fault (by requestId).</summary>
    public long LostExplained { get; init; }

    /// <summary>Lost notifications whose attribution waits for the next read of the drop records (live only).</summary>
    public long LostPending { get; init; }

    /// <summary>Explained lost notifications per fault kind.</summary>
    public IReadOnlyDictionary<string, long> LostExplainedByFault { get; init; } = EmptyCounts;

    public long ContradictingTotal { get; init; }

    /// <summary>Contradicting notifications that follow a notification a fault cost on the same pair (the state model went stale).</summary>
    public long ContradictingExplained { get; init; }

    public long ContradictingPending { get; init; }

    public IReadOnlyDictionary<string, long> ContradictingExplainedByFault { get; init; } = EmptyCounts;

    private static readonly IReadOnlyDictionary<string, long> EmptyCounts = new Dictionary<string, long>();
}

/// <summary>
/// Task accounting of a run (task-feed / task-handling scenarios). Every task the feed submitted and CCP accepted
/// ends in exactly one final bucket: <see cref="Closed"/> + <see cref="ClosedAtSignOut"/> + <see cref="Queued"/> +
/// <see cref="InProgress"/> + <see cref="HandledElsewhere"/> + <see cref="Discarded"/> + <see cref="Lost"/> +
/// <see cref="Unresolved"/> = <see cref="Submitted"/>. The other counters describe the way there: a RONA or a
/// TRANSFER at sign-out re-offers a task, it is neither lost nor a duplicate.
/// </summary>
public sealed record TaskSummary(
    long Submitted,
    long Refused,
    long Offered,
    long Offers,
    long Closed,
    long ClosedAfterTransfer,
    long ClosedAtSignOut,
    long Transferred,
    long Transfers,
    long Ronas,
    long RequeuedAtSignOut,
    long Queued,
    long InProgress,
    long HandledElsewhere,
    long Discarded,
    long Lost,
    long Unresolved,
    long Foreign,
    long DuplicateEvents,
    long MissingOffers,
    long MissingRemovals,
    long OutOfOrder,
    bool Reconciled)
{
    /// <summary>Submitted minus every final bucket: 0 once reconciled (before that, tasks not yet in a bucket).</summary>
    public long Open => Submitted - Closed - ClosedAtSignOut - Queued - InProgress - HandledElsewhere - Discarded - Lost - Unresolved;

    /// <summary>The counters in report order, with their report names.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Columns() =>
    [
        new("submitted", Submitted),
        new("refused", Refused),
        new("offered", Offered),
        new("offers", Offers),
        new("closed", Closed),
        new("closed after transfer", ClosedAfterTransfer),
        new("closed at sign-out", ClosedAtSignOut),
        new("transferred", Transferred),
        new("transfers", Transfers),
        new("RONAs", Ronas),
        new("requeued at sign-out", RequeuedAtSignOut),
        new("queued", Queued),
        new("in progress", InProgress),
        new("handled elsewhere", HandledElsewhere),
        new("discarded", Discarded),
        new("lost", Lost),
        new("unresolved", Unresolved),
        new("foreign offers", Foreign),
        new("duplicate dialog events", DuplicateEvents),
        new("missing offers", MissingOffers),
        new("missing removals", MissingRemovals),
        new("dialog events out of order", OutOfOrder),
    ];
}

/// <summary>How well the generator itself kept up.</summary>
public sealed record GeneratorHealth(double SchedulerLagP50Ms, double SchedulerLagP99Ms, double SchedulerLagMaxMs, long Dropped, double MaxCpuPercent);

/// <summary>One sample of the generator's own resource use.</summary>
public sealed record RuntimeSample(
    double ElapsedSeconds,
    double CpuPercent,
    double WorkingSetMb,
    double GcHeapMb,
    long Gen0,
    long Gen1,
    long Gen2,
    double GcPausePercent,
    long ThreadPoolQueue,
    int ThreadPoolThreads,
    long InFlight);

public sealed record ThresholdResult(string Expression, bool Passed, string Actual, string? Error);

public sealed record RunResult(
    string SessionId,
    string TestName,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string BaseUrl,
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> LoadSimulations,
    bool CoordinatedOmissionCorrection,
    IReadOnlyList<StepSummary> Steps,
    NotificationSummary Notifications,
    IReadOnlyList<RuntimeSample> Runtime,
    IReadOnlyList<ThresholdResult> Thresholds,
    string? AbortReason,
    IReadOnlyList<string> Warnings)
{
    public bool ThresholdsPassed => Thresholds.All(t => t.Passed);

    public GeneratorHealth? Generator { get; init; }

    /// <summary>Task accounting when the run fed or handled tasks; null otherwise.</summary>
    public TaskSummary? Tasks { get; init; }

    /// <summary>Fault windows of the chaos plan run alongside (<c>--chaos-plan</c>), seconds from the start.</summary>
    public IReadOnlyList<Chaos.FaultWindow> FaultWindows { get; init; } = [];
}
