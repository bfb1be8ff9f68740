using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Gateway.Planning;

/// <summary>A figure measured by simulation, with its 95 % confidence interval (batch means over tasks in arrival order).</summary>
public sealed record Estimate(double Value, double Lower, double Upper)
{
    public static Estimate From(ConfidenceInterval interval) => new(interval.Mean, interval.Lower, interval.Upper);

    public double HalfWidth => (Upper - Lower) / 2;
}

/// <summary>One reporting interval of a run (an interval of the profile, or an equal slice of a stationary run).</summary>
/// <param name="StartSeconds">Simulated seconds from the run's start.</param>
/// <param name="TasksPerHour">The arrival rate asked for in this interval.</param>
public sealed record IntervalFigures(double StartSeconds, double LengthSeconds, double TasksPerHour, int Offered, int Answered, int Abandoned, double? ServiceLevel, double? MeanWaitSeconds);

/// <summary>The queue length at one moment (for the report's chart).</summary>
public readonly record struct QueueSample(double AtSeconds, int Length);

/// <summary>
/// What a planner run measured, after its warm-up: the figures a planner asks for, each with a confidence interval,
/// and the series the report draws. Every task counts where it arrived (its interval) and in arrival order.
/// </summary>
/// <param name="SimulatedSeconds">Simulated time the run took, drain included.</param>
public sealed record PlanFigures(
    int Agents,
    double SimulatedSeconds,
    int Offered,
    int WarmUpTasks,
    int Handled,
    int Abandoned,
    int Expired,
    Estimate PWait,
    Estimate MeanWaitSeconds,
    Estimate ServiceLevel,
    Estimate AbandonedShare,
    double? MeanWaitOfAnsweredSeconds,
    double Occupancy,
    double P90WaitSeconds,
    double MaxWaitSeconds,
    IReadOnlyList<IntervalFigures> Intervals,
    IReadOnlyList<QueueSample> QueueLength,
    IReadOnlyList<double> WaitBucketBounds,
    IReadOnlyList<int> WaitBucketCounts)
{
    private const int Batches = 20;
    private const int QueueSamples = 240;

    public static PlanFigures Of(PlanRun run, PlanOptions options)
    {
        var warmUp = (int)Math.Floor(run.Tasks.Count * options.WarmUp);
        var tasks = run.Tasks.Skip(warmUp).ToArray();
        if (tasks.Length < Batches * 2)
        {
            throw new InvalidOperationException($"Only {tasks.Length} tasks arrived after the warm-up; a planner run needs at least {Batches * 2} (raise --tasks or --duration)");
        }

        var threshold = options.ThresholdSeconds;
        var waits = tasks.Select(t => t.WaitSeconds).ToArray();
        var sorted = waits.Order().ToArray();
        var answered = tasks.Where(t => t.Fate == TaskFate.Answered).ToArray();
        return new PlanFigures(
            run.Agents,
            run.SimulatedSeconds,
            tasks.Length,
            warmUp,
            answered.Length,
            tasks.Count(t => t.Fate == TaskFate.Abandoned),
            tasks.Count(t => t.Fate == TaskFate.Expired),
            Measure(tasks, t => t.WaitSeconds > 0 ? 1 : 0),
            Measure(tasks, t => t.WaitSeconds),
            Measure(tasks, t => t.Fate == TaskFate.Answered && t.WaitSeconds <= threshold ? 1 : 0),
            Measure(tasks, t => t.Fate == TaskFate.Abandoned ? 1 : 0),
            answered.Length > 0 ? answered.Average(t => t.WaitSeconds) : null,
            SlotOccupancy(tasks, run.Agents * options.DialogsPerAgent),
            sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(sorted.Length * 0.9) - 1)],
            sorted[^1],
            SliceIntervals(run, tasks, options),
            SampleQueue(run.Tasks),
            WaitBounds(threshold),
            WaitCounts(waits, WaitBounds(threshold)));
    }

    private static Estimate Measure(TaskObservation[] tasks, Func<TaskObservation, double> value) =>
        Estimate.From(BatchMeans.Mean([.. tasks.Select(value)], Batches));

    /// <summary>
    /// Busy slot-seconds ÷ available slot-seconds between the first and last measured arrival: a slot is busy from the
    /// offer its agent took until the close (ring, work and wrap-up), the time an agent cannot take another task.
    /// </summary>
    private static double SlotOccupancy(TaskObservation[] tasks, int slots)
    {
        var from = tasks[0].ArrivedAt;
        var to = tasks[^1].ArrivedAt;
        if (to <= from)
        {
            return 0;
        }

        var busy = tasks.Where(t => t.Fate == TaskFate.Answered)
            .Sum(t => Math.Max(0, Math.Min(t.EndedAt!.Value, to) - Math.Max(t.LeftQueueAt, from)));
        return busy / (slots * (to - from));
    }

    private static List<IntervalFigures> SliceIntervals(PlanRun run, TaskObservation[] tasks, PlanOptions options)
    {
        double length;
        Func<int, double> rate;
        int count;
        if (options.Profile is { } profile)
        {
            (length, count) = (profile.SlotSeconds, profile.TasksPerHour.Length);
            rate = i => profile.TasksPerHour[i];
        }
        else
        {
            // A stationary run in about 24 slices, at least a quarter of an hour each.
            var span = run.Tasks[^1].ArrivedAt;
            length = Math.Max(900, Math.Ceiling(span / 24 / 900) * 900);
            count = Math.Max(1, (int)Math.Ceiling(span / length));
            rate = _ => options.TasksPerHour;
        }

        var slots = new List<TaskObservation>[count];
        for (var i = 0; i < count; i++)
        {
            slots[i] = [];
        }

        foreach (var task in tasks)
        {
            slots[Math.Min(count - 1, (int)(task.ArrivedAt / length))].Add(task);
        }

        return [.. slots.Select((slot, i) => new IntervalFigures(
            i * length,
            length,
            rate(i),
            slot.Count,
            slot.Count(t => t.Fate == TaskFate.Answered),
            slot.Count(t => t.Fate == TaskFate.Abandoned),
            slot.Count > 0 ? slot.Count(t => t.Fate == TaskFate.Answered && t.WaitSeconds <= options.ThresholdSeconds) / (double)slot.Count : null,
            slot.Count > 0 ? slot.Average(t => t.WaitSeconds) : null))];
    }

    /// <summary>Tasks waiting (arrived, neither offered to the agent who took them nor given up), sampled evenly.</summary>
    private static List<QueueSample> SampleQueue(IReadOnlyList<TaskObservation> tasks)
    {
        var changes = tasks.SelectMany(t => new[] { (At: t.ArrivedAt, Delta: 1), (At: t.LeftQueueAt, Delta: -1) })
            .OrderBy(c => c.At).ThenBy(c => c.Delta).ToArray();
        var end = changes[^1].At;
        var samples = new List<QueueSample>(QueueSamples + 1);
        var length = 0;
        var next = 0;
        for (var s = 0; s <= QueueSamples; s++)
        {
            var at = end * s / QueueSamples;
            while (next < changes.Length && changes[next].At <= at)
            {
                length += changes[next++].Delta;
            }

            samples.Add(new QueueSample(at, length));
        }

        return samples;
    }

    /// <summary>Wait buckets in steps of a sixth of the threshold, up to four thresholds (the last bucket is open).</summary>
    private static double[] WaitBounds(double threshold)
    {
        var step = threshold > 0 ? threshold / 6 : 5;
        return [0, .. Enumerable.Range(1, 24).Select(i => i * step)];
    }

    private static int[] WaitCounts(double[] waits, double[] bounds)
    {
        var counts = new int[bounds.Length + 1];
        foreach (var wait in waits)
        {
            var i = Array.BinarySearch(bounds, wait);
            counts[i >= 0 ? i : ~i]++;
        }

        return counts;
    }
}
