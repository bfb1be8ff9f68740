using System.Globalization;
using System.Text.RegularExpressions;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Thresholds;

public enum ThresholdOperator
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>
/// A pass/fail rule. Grammar (whitespace between tokens is optional):
/// <code>
/// threshold := [scope ':'] metric op number [unit] ['abort']
/// scope     := step | scenario | scenario '/' step          (absent = all steps merged)
/// metric    := p50 | p75 | p95 | p99 | p99.9 | min | mean | max | stddev      (latency; unit us, ms (default), s)
///            | fail% | ok% | rps | count | ok | fail | timeouts
///            | retries | gave_up                     (retry attempts of the steps in scope, requests given up on)
///            | lost_notifications | duplicate_notifications | out_of_order_notifications
///            | contradicting_notifications | unexpected_notifications      (global only)
///            | lost_tasks | queued_tasks | discarded_tasks | unresolved_tasks | closed_tasks | submitted_tasks
///            | transferred_tasks                                              (global only; task scenarios)
///            | lost_notifications_total | lost_notifications_explained
///            | contradicting_notifications_total | contradicting_notifications_explained   (global only; lost and contradicting
///              without _total count those no fault explains)
/// op        := &lt; | &lt;= | &gt; | &gt;= | = | == | !=
/// </code>
/// Examples: <c>p99 &lt; 50ms</c>, <c>fail% &lt; 0.1</c>, <c>lost_notifications = 0</c>,
/// <c>shift/sign-in: p95 &lt;= 200ms</c>, <c>fail% &lt; 5 abort</c> (abort the run as soon as it fails live).
/// </summary>
public sealed record Threshold(string Expression, string? Scope, string Metric, ThresholdOperator Operator, double Value, bool Abort)
{
    public static readonly IReadOnlySet<string> LatencyMetrics =
        new HashSet<string>(StringComparer.Ordinal) { "p50", "p75", "p95", "p99", "p99.9", "min", "mean", "max", "stddev" };

    public static readonly IReadOnlySet<string> NotificationMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        "lost_notifications", "duplicate_notifications", "out_of_order_notifications",
        "contradicting_notifications", "unexpected_notifications",
        "lost_notifications_total", "lost_notifications_explained",
        "contradicting_notifications_total", "contradicting_notifications_explained",
    };

    /// <summary>Task accounting counters (global; need a task-feed or task-handling scenario).</summary>
    public static readonly IReadOnlySet<string> TaskMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        "lost_tasks", "queued_tasks", "discarded_tasks", "unresolved_tasks", "closed_tasks", "submitted_tasks", "transferred_tasks",
    };

    public static readonly IReadOnlySet<string> CountMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        "fail%", "ok%", "rps", "count", "ok", "fail", "timeouts", "retries", "gave_up",
    };

    public bool Check(double actual) => Operator switch
    {
        ThresholdOperator.Less => actual < Value,
        ThresholdOperator.LessOrEqual => actual <= Value,
        ThresholdOperator.Greater => actual > Value,
        ThresholdOperator.GreaterOrEqual => actual >= Value,
        ThresholdOperator.Equal => Math.Abs(actual - Value) < 1e-9,
        _ => Math.Abs(actual - Value) >= 1e-9,
    };
}

/// <summary>Thrown for a threshold that does not follow the grammar; <see cref="Position"/> is 0-based.</summary>
public sealed class ThresholdSyntaxException(string message, string expression, int position)
    : FormatException($"threshold '{expression}': {message} (at column {position + 1})")
{
    public string Expression { get; } = expression;

    public int Position { get; } = position;
}

public static partial class ThresholdParser
{
    [GeneratedRegex(@"^\s*(?:(?<scope>[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)?)\s*:)?\s*(?<metric>[A-Za-z0-9_.%]+?)\s*(?<op><=|>=|==|!=|<|>|=)\s*(?<num>-?\d+(?:\.\d+)?)\s*(?<unit>us|µs|ms|s|%)?\s*(?<abort>abort)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static Threshold Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var m = Pattern().Match(expression);
        if (!m.Success)
        {
            throw Explain(expression);
        }

        var metric = m.Groups["metric"].Value.ToLowerInvariant();
        if (metric == "p999")
        {
            metric = "p99.9";
        }

        var scope = m.Groups["scope"].Success ? m.Groups["scope"].Value : null;
        var unit = m.Groups["unit"].Success ? m.Groups["unit"].Value : null;
        var value = double.Parse(m.Groups["num"].Value, CultureInfo.InvariantCulture);
        var metricAt = m.Groups["metric"].Index;
        var unitAt = m.Groups["unit"].Index;

        if (Threshold.LatencyMetrics.Contains(metric))
        {
            value = unit switch
            {
                null or "ms" => value,
                "s" => value * 1000,
                "us" or "µs" => value / 1000,
                _ => throw new ThresholdSyntaxException($"'{unit}' is not a latency unit (us, ms, s)", expression, unitAt),
            };
        }
        else if (Threshold.NotificationMetrics.Contains(metric) || Threshold.TaskMetrics.Contains(metric))
        {
            if (scope is not null)
            {
                throw new ThresholdSyntaxException($"'{metric}' is a global counter and takes no scope", expression, 0);
            }

            if (unit is not null)
            {
                throw new ThresholdSyntaxException($"'{metric}' is a count and takes no unit", expression, unitAt);
            }
        }
        else if (Threshold.CountMetrics.Contains(metric))
        {
            var isPercent = metric.EndsWith('%');
            if (unit is not null && !(isPercent && unit == "%"))
            {
                throw new ThresholdSyntaxException($"'{metric}' takes no unit '{unit}'", expression, unitAt);
            }
        }
        else
        {
            throw new ThresholdSyntaxException(
                $"unknown metric '{metric}' (latency: p50 p75 p95 p99 p99.9 min mean max stddev; counts: fail% ok% rps count ok fail timeouts retries gave_up; " +
                "notifications: lost_notifications duplicate_notifications out_of_order_notifications contradicting_notifications unexpected_notifications " +
                "lost_notifications_total lost_notifications_explained contradicting_notifications_total contradicting_notifications_explained; " +
                "tasks: lost_tasks queued_tasks discarded_tasks unresolved_tasks closed_tasks submitted_tasks transferred_tasks)",
                expression,
                metricAt);
        }

        if (value < 0)
        {
            throw new ThresholdSyntaxException("the limit must not be negative", expression, m.Groups["num"].Index);
        }

        var op = m.Groups["op"].Value switch
        {
            "<" => ThresholdOperator.Less,
            "<=" => ThresholdOperator.LessOrEqual,
            ">" => ThresholdOperator.Greater,
            ">=" => ThresholdOperator.GreaterOrEqual,
            "!=" => ThresholdOperator.NotEqual,
            _ => ThresholdOperator.Equal,
        };
        return new Threshold(expression.Trim(), scope, metric, op, value, m.Groups["abort"].Success);
    }

    private static ThresholdSyntaxException Explain(string expression)
    {
        var opIndex = expression.IndexOfAny(['<', '>', '=', '!']);
        if (opIndex < 0)
        {
            return new ThresholdSyntaxException("missing comparison operator (<, <=, >, >=, =, !=)", expression, expression.Length);
        }

        var left = expression[..opIndex].Trim();
        if (left.Length == 0 || left.EndsWith(':'))
        {
            return new ThresholdSyntaxException("missing metric before the operator", expression, opIndex);
        }

        var rest = expression[opIndex..].TrimStart('<', '>', '=', '!').Trim();
        if (rest.Length == 0)
        {
            return new ThresholdSyntaxException("missing number after the operator", expression, expression.Length);
        }

        var restAt = expression.IndexOf(rest, opIndex, StringComparison.Ordinal);
        return new ThresholdSyntaxException(
            $"'{rest}' is not a number with an optional unit (us, ms, s, %) and optional 'abort'", expression, Math.Max(restAt, 0));
    }
}

/// <summary>Evaluates thresholds against live or final statistics.</summary>
public static class ThresholdEvaluator
{
    public static IReadOnlyList<ThresholdResult> Evaluate(
        IReadOnlyList<Threshold> thresholds,
        IReadOnlyList<StepRecorder> recorders,
        NotificationSummary notifications,
        TimeSpan duration,
        TaskSummary? tasks = null)
    {
        var results = new List<ThresholdResult>(thresholds.Count);
        foreach (var t in thresholds)
        {
            results.Add(Evaluate(t, recorders, notifications, duration, tasks));
        }

        return results;
    }

    public static ThresholdResult Evaluate(Threshold t, IReadOnlyList<StepRecorder> recorders, NotificationSummary notifications, TimeSpan duration, TaskSummary? tasks = null)
    {
        double actual;
        if (Threshold.TaskMetrics.Contains(t.Metric))
        {
            if (tasks is null)
            {
                return new ThresholdResult(t.Expression, false, "n/a", "no task-feed or task-handling scenario in this run");
            }

            actual = t.Metric switch
            {
                "lost_tasks" => tasks.Lost,
                "queued_tasks" => tasks.Queued,
                "discarded_tasks" => tasks.Discarded,
                "unresolved_tasks" => tasks.Unresolved,
                "closed_tasks" => tasks.Closed + tasks.ClosedAtSignOut,
                "submitted_tasks" => tasks.Submitted,
                _ => tasks.Transferred,
            };
            return new ThresholdResult(t.Expression, t.Check(actual), Format(actual, t.Metric), null);
        }

        if (Threshold.NotificationMetrics.Contains(t.Metric))
        {
            actual = t.Metric switch
            {
                // Lost and contradicting count what no fault explains; *_total and *_explained give the rest.
                "lost_notifications" => notifications.Lost,
                "lost_notifications_total" => notifications.LostTotal,
                "lost_notifications_explained" => notifications.LostExplained,
                "duplicate_notifications" => notifications.Duplicated,
                "out_of_order_notifications" => notifications.OutOfOrder,
                "contradicting_notifications" => notifications.Contradicting,
                "contradicting_notifications_total" => notifications.ContradictingTotal,
                "contradicting_notifications_explained" => notifications.ContradictingExplained,
                _ => notifications.Unexpected,
            };
            return new ThresholdResult(t.Expression, t.Check(actual), Format(actual, t.Metric), null);
        }

        var selected = Select(t.Scope, recorders);
        if (selected.Count == 0)
        {
            return new ThresholdResult(t.Expression, false, "n/a", $"no step or scenario named '{t.Scope}'");
        }

        var s = StepSummary.Merge(t.Scope ?? "all", t.Scope ?? "all", selected, duration);
        actual = t.Metric switch
        {
            "p50" => s.Latency.P50Ms,
            "p75" => s.Latency.P75Ms,
            "p95" => s.Latency.P95Ms,
            "p99" => s.Latency.P99Ms,
            "p99.9" => s.Latency.P999Ms,
            "min" => s.Latency.MinMs,
            "mean" => s.Latency.MeanMs,
            "max" => s.Latency.MaxMs,
            "stddev" => s.Latency.StdDevMs,
            "fail%" => s.FailPercent,
            "ok%" => s.Count == 0 ? 0 : 100.0 * s.Ok / s.Count,
            "rps" => s.Rps,
            "count" => s.Count,
            "ok" => s.Ok,
            "fail" => s.Fail,
            "retries" => RetryRecorders(selected).Sum(r => r.Count),
            "gave_up" => selected.Sum(r => r.GaveUp),
            _ => s.Timeouts,
        };
        return new ThresholdResult(t.Expression, t.Check(actual), Format(actual, t.Metric), null);
    }

    /// <summary>The retry recorders of the steps in scope (a retry step in scope counts as itself), each once.</summary>
    private static IEnumerable<StepRecorder> RetryRecorders(IEnumerable<StepRecorder> selected) =>
        selected.Select(r => r.IsRetry ? r : r.RetriesIfAny).OfType<StepRecorder>().Distinct();

    private static List<StepRecorder> Select(string? scope, IReadOnlyList<StepRecorder> recorders)
    {
        if (scope is null)
        {
            return recorders.ToList();
        }

        var slash = scope.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var scenario = scope[..slash];
            var step = scope[(slash + 1)..];
            return recorders.Where(r => r.Scenario == scenario && r.Step == step).ToList();
        }

        var bySteps = recorders.Where(r => r.Step == scope).ToList();
        return bySteps.Count > 0 ? bySteps : recorders.Where(r => r.Scenario == scope).ToList();
    }

    private static string Format(double value, string metric) =>
        Threshold.LatencyMetrics.Contains(metric)
            ? value.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
            : metric.EndsWith('%')
                ? value.ToString("0.####", CultureInfo.InvariantCulture) + "%"
                : value.ToString("0.##", CultureInfo.InvariantCulture);
}
