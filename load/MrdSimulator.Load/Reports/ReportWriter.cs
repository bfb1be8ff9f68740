using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Reports;

/// <summary>Writes the report files of a run (HTML, Markdown, CSV, JSON) into one folder.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static IReadOnlyList<string> Write(RunResult result, string folder, IReadOnlyCollection<string> formats)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var format in formats.Select(f => f.ToLowerInvariant()).Distinct())
        {
            var (name, content) = format switch
            {
                "json" => ("report.json", Json(result)),
                "md" => ("report.md", MarkdownReport.Render(result)),
                "csv" => ("report.csv", Csv(result)),
                "html" => ("report.html", HtmlReport.Render(result)),
                _ => throw new ArgumentException($"unknown report format '{format}' (html, md, csv, json)", nameof(formats)),
            };
            var path = Path.Combine(folder, name);
            File.WriteAllText(path, content, new UTF8Encoding(false));
            written.Add(path);
            if (format == "csv" && (result.Notifications.Attributed || result.FaultWindows.Count > 0))
            {
                // The step CSV keeps NBomber's columns; the notification split and the fault windows get their own file.
                path = Path.Combine(folder, "report-notifications.csv");
                File.WriteAllText(path, NotificationsCsv(result), new UTF8Encoding(false));
                written.Add(path);
            }
        }

        return written;
    }

    public static readonly string[] NotificationsCsvHeader =
    [
        "row", "fault_id", "fault_kind", "window_start_s", "window_end_s", "injected", "updates_cost_by_fault",
        "requests", "failed", "lost_total", "lost_explained", "lost_unexplained", "contradicting_total", "contradicting_explained", "contradicting_unexplained",
        "retries",
    ];

    /// <summary>
    /// The notification split: one <c>run</c> row (totals, explained, unexplained), one <c>fault-kind</c> row per
    /// kind that explained something, one <c>fault-window</c> row per window (what the load saw during it).
    /// </summary>
    public static string NotificationsCsv(RunResult r)
    {
        var n = r.Notifications;
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', NotificationsCsvHeader));
        sb.AppendLine(string.Join(',', "run", "", "", "", "", "", "", "", "", N(n.LostTotal), N(n.LostExplained), N(n.Lost), N(n.ContradictingTotal), N(n.ContradictingExplained), N(n.Contradicting), ""));
        foreach (var kind in n.LostExplainedByFault.Keys.Union(n.ContradictingExplainedByFault.Keys).Order(StringComparer.Ordinal))
        {
            var lost = n.LostExplainedByFault.GetValueOrDefault(kind);
            var contradicting = n.ContradictingExplainedByFault.GetValueOrDefault(kind);
            sb.AppendLine(string.Join(',', "fault-kind", "", Csv(kind), "", "", "", "", "", "", "", N(lost), "", "", N(contradicting), "", ""));
        }

        foreach (var f in r.FaultWindows)
        {
            var l = f.Load;
            sb.AppendLine(string.Join(
                ',', "fault-window", Csv(f.Id), Csv(f.Kind), D(f.StartSeconds), f.EndSeconds is { } e ? D(e) : "", N(f.Injected), N(f.Undelivered),
                l is null ? "" : N(l.Requests), l is null ? "" : N(l.FailedRequests), "", l is null ? "" : N(l.LostExplained),
                l is null ? "" : N(l.LostUnexplainedSentDuring), "", l is null ? "" : N(l.ContradictingExplained), "", l is null ? "" : N(l.Retries)));
        }

        return sb.ToString();
    }

    public static string Json(RunResult result) => JsonSerializer.Serialize(result, JsonOptions);

    public static readonly string[] CsvHeader =
    [
        "test_suite", "test_name", "scenario", "duration", "step_name", "request_count", "ok", "failed", "rps",
        "min", "mean", "max", "50_percent", "75_percent", "95_percent", "99_percent", "std_dev",
        "data_transfer_min_kb", "data_transfer_mean_kb", "data_transfer_max_kb", "data_transfer_all_mb",
        "99_9_percent", "fail_percent", "timeouts", "retries", "gave_up",
    ];

    /// <summary>
    /// NBomber's CSV columns (so existing tooling ports), then p99.9, fail%, timeouts, and the step's retries (which are also the
    /// row of the step <c>name.retry</c>) and requests given up on. Latencies in ms.
    /// </summary>
    public static string Csv(RunResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', CsvHeader));
        var duration = TimeSpan.FromSeconds(r.DurationSeconds).ToString("c", CultureInfo.InvariantCulture);
        foreach (var s in r.Steps)
        {
            var bytes = s.BytesSent + s.BytesReceived;
            var meanKb = s.Count == 0 ? 0 : bytes / 1024.0 / s.Count;
            string[] row =
            [
                "mrdload", Csv(r.TestName), Csv(s.Scenario), duration, Csv(s.Step),
                N(s.Count), N(s.Ok), N(s.Fail), D(s.Rps),
                D(s.Latency.MinMs), D(s.Latency.MeanMs), D(s.Latency.MaxMs), D(s.Latency.P50Ms), D(s.Latency.P75Ms),
                D(s.Latency.P95Ms), D(s.Latency.P99Ms), D(s.Latency.StdDevMs),
                D(meanKb), D(meanKb), D(meanKb), D(bytes / 1048576.0),
                D(s.Latency.P999Ms), D(s.FailPercent), N(s.Timeouts), N(s.Retries), N(s.GaveUp),
            ];
            sb.AppendLine(string.Join(',', row));
        }

        return sb.ToString();
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    internal static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    internal static string D(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

public static class MarkdownReport
{
    /// <summary>How to read the task table (Markdown and HTML).</summary>
    public const string TaskNote =
        "Every submitted task ends in one bucket: closed + closed at sign-out + queued + in progress + handled elsewhere + discarded + lost + unresolved = submitted. " +
        "RONAs and transfers re-offer a task; they are neither lost nor duplicated. Lost: CCP accepted the task but no longer knows it, or shows it handled by one of our agents who never worked on it.";

    /// <summary>How to read the retry table (Markdown and HTML).</summary>
    public const string RetryNote =
        "Requests that failed with a 5xx answer or a refused or reset connection were sent again after a pause that grows with the virtual user's " +
        "consecutive failures (the scenario's retry policy). A step's own row counts first attempts only; its retries are the step <step>.retry. " +
        "Gave up: requests whose last allowed attempt failed that way.";

    /// <summary>One row of the retry table: a step that retried or gave up, with its retry step's figures.</summary>
    public sealed record RetryRow(string Scenario, string Step, long FirstAttempts, long Failed, long Retries, long RetriesFailed, long GaveUp);

    public static IReadOnlyList<RetryRow> RetryRows(RunResult r) =>
    [
        .. r.Steps.Where(s => s.Retries > 0 || s.GaveUp > 0).Select(s => new RetryRow(
            s.Scenario, s.Step, s.Count, s.Fail, s.Retries,
            r.Steps.FirstOrDefault(x => x.Scenario == s.Scenario && x.Step == s.Step + StepRecorder.RetrySuffix)?.Fail ?? 0,
            s.GaveUp)),
    ];

    public static string Render(RunResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# mrdload report: {r.TestName}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- session: `{r.SessionId}`, started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, duration {r.DurationSeconds:0.###} s");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- target: {r.BaseUrl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- scenarios: {string.Join(", ", r.Scenarios)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- load simulations: {string.Join("; ", r.LoadSimulations)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- coordinated-omission correction: {(r.CoordinatedOmissionCorrection ? "on" : "off")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- result: **{(r.AbortReason is not null ? "ABORTED: " + r.AbortReason : r.ThresholdsPassed ? "PASSED" : "THRESHOLDS FAILED")}**");
        sb.AppendLine();
        sb.AppendLine("## Steps (latency in ms, OK requests)");
        sb.AppendLine();
        sb.AppendLine("| scenario | step | count | ok | fail | fail % | RPS | min | mean | max | stddev | p50 | p75 | p95 | p99 | p99.9 | KB sent | KB received |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in r.Steps)
        {
            var l = s.Latency;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Scenario} | {s.Step} | {s.Count} | {s.Ok} | {s.Fail} | {s.FailPercent:0.###} | {s.Rps:0.##} | {l.MinMs:0.###} | {l.MeanMs:0.###} | {l.MaxMs:0.###} | {l.StdDevMs:0.###} | {l.P50Ms:0.###} | {l.P75Ms:0.###} | {l.P95Ms:0.###} | {l.P99Ms:0.###} | {l.P999Ms:0.###} | {s.BytesSent / 1024.0:0.#} | {s.BytesReceived / 1024.0:0.#} |");
        }

        var retries = RetryRows(r);
        if (retries.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Retries");
            sb.AppendLine();
            sb.AppendLine(RetryNote.Replace("<step>.retry", "`<step>.retry`", StringComparison.Ordinal));
            sb.AppendLine();
            sb.AppendLine("| scenario | step | first attempts | failed | retries | retries failed | gave up |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var x in retries)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {x.Scenario} | {x.Step} | {x.FirstAttempts} | {x.Failed} | {x.Retries} | {x.RetriesFailed} | {x.GaveUp} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Status codes");
        sb.AppendLine();
        sb.AppendLine("| scenario | step | code | count | meaning |");
        sb.AppendLine("|---|---|---:|---:|---|");
        foreach (var s in r.Steps)
        {
            foreach (var c in s.StatusCodes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {s.Scenario} | {s.Step} | {c.Code} | {c.Count} | {c.Message} |");
            }
        }

        var n = r.Notifications;
        sb.AppendLine();
        sb.AppendLine("## Notifications");
        sb.AppendLine();
        sb.AppendLine("| expected | received | lost | duplicated | out of order | contradicting | unexpected | late | silent as expected | unmatched |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"| {n.Expected} | {n.Received} | {n.Lost} | {n.Duplicated} | {n.OutOfOrder} | {n.Contradicting} | {n.Unexpected} | {n.Late} | {n.ExpectedSilent} | {n.Unmatched} |");

        if (n.Attributed)
        {
            sb.AppendLine();
            sb.AppendLine("Lost and contradicting above are the unexplained ones (the threshold metrics); matched by requestId against the simulator's records of what its faults cost:");
            sb.AppendLine();
            sb.AppendLine("| | total | explained by a fault | unexplained | explained, by fault kind |");
            sb.AppendLine("|---|---:|---:|---:|---|");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| lost | {n.LostTotal} | {n.LostExplained} | {n.Lost} | {HtmlReport.ByKind(n.LostExplainedByFault)} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| contradicting | {n.ContradictingTotal} | {n.ContradictingExplained} | {n.Contradicting} | {HtmlReport.ByKind(n.ContradictingExplainedByFault)} |");
        }

        if (r.Tasks is { } tasks)
        {
            var columns = tasks.Columns();
            sb.AppendLine();
            sb.AppendLine("## Tasks");
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", columns.Select(c => c.Key))} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"|{string.Concat(columns.Select(_ => "---:|"))}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", columns.Select(c => c.Value))} |");
            sb.AppendLine();
            sb.AppendLine(TaskNote);
        }

        if (r.FaultWindows.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Fault windows");
            sb.AppendLine();
            sb.AppendLine("| fault | kind | scope | window | injected | requests | of which retries | failed | notified ok | notified failed | Updates it cost (simulator) | lost explained | contradicting explained | unexplained lost sent during |");
            sb.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var f in r.FaultWindows)
            {
                var l = f.Load;
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {f.Id} | {f.Kind} | {f.Scope} | {HtmlReport.Window(f)} | {f.Injected} | {V(l?.Requests)} | {V(l?.Retries)} | {V(l?.FailedRequests)} | {V(l?.NotificationsOk)} | {V(l?.NotificationsFailed)} | {f.Undelivered} | {V(l?.LostExplained)} | {V(l?.ContradictingExplained)} | {V(l?.LostUnexplainedSentDuring)} |");
            }
        }

        if (r.Thresholds.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Thresholds");
            sb.AppendLine();
            sb.AppendLine("| rule | result | actual |");
            sb.AppendLine("|---|---|---|");
            foreach (var t in r.Thresholds)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| `{t.Expression}` | {(t.Passed ? "pass" : "**FAIL**")} | {t.Actual}{(t.Error is null ? "" : " (" + t.Error + ")")} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Generator");
        sb.AppendLine();
        if (r.Generator is { } g)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"- scheduler lag p50 {g.SchedulerLagP50Ms:0.###} ms, p99 {g.SchedulerLagP99Ms:0.###} ms, max {g.SchedulerLagMaxMs:0.###} ms; dropped arrivals {g.Dropped}; max CPU {g.MaxCpuPercent:0.#} %");
        }

        if (r.Runtime.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"- CPU mean {r.Runtime.Average(s => s.CpuPercent):0.#} %, working set max {r.Runtime.Max(s => s.WorkingSetMb):0.#} MB, GC heap max {r.Runtime.Max(s => s.GcHeapMb):0.#} MB, gen0/1/2 collections {r.Runtime[^1].Gen0}/{r.Runtime[^1].Gen1}/{r.Runtime[^1].Gen2}");
        }

        if (r.Warnings.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Warnings");
            sb.AppendLine();
            foreach (var w in r.Warnings)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {w}");
            }
        }

        return sb.ToString();
    }

    private static string V(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";
}
