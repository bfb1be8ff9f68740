using System.Globalization;
using System.Net;
using System.Text;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Reports;

/// <summary>
/// A self-contained HTML report: charts are inline SVG drawn here; a few lines of inline script add hover
/// read-outs. No external resource of any kind is referenced.
/// </summary>
public static class HtmlReport
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Render(RunResult r)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mrdload report: ")
            .Append(E(r.TestName)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{font-size:22px}h2{font-size:18px;margin-top:28px}")
            .Append("table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}")
            .Append("th{background:#f3f3f3}td.l,th.l{text-align:left}td.nw{white-space:nowrap}.pass{color:#2a7d2a;font-weight:600}.fail{color:#c0392b;font-weight:600}")
            .Append(".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #ddd;padding:6px;background:#fff}")
            .Append(".chart h3{font-size:14px;margin:2px 4px}#tip{position:fixed;pointer-events:none;background:#333;color:#fff;padding:3px 6px;font-size:12px;border-radius:3px;display:none}")
            .Append("</style></head><body>");
        sb.Append("<h1>mrdload report: ").Append(E(r.TestName)).Append("</h1>");
        var verdict = r.AbortReason is not null ? "ABORTED: " + r.AbortReason : r.ThresholdsPassed ? "PASSED" : "THRESHOLDS FAILED";
        sb.Append("<p id=\"verdict\" class=\"").Append(r.AbortReason is null && r.ThresholdsPassed ? "pass" : "fail").Append("\">").Append(E(verdict)).Append("</p>");
        sb.Append("<table><tbody>");
        Row(sb, "session", r.SessionId);
        Row(sb, "started (UTC)", r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        Row(sb, "duration", r.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
        Row(sb, "target", r.BaseUrl);
        Row(sb, "scenarios", string.Join(", ", r.Scenarios));
        Row(sb, "load simulations", string.Join("; ", r.LoadSimulations));
        Row(sb, "coordinated-omission correction", r.CoordinatedOmissionCorrection ? "on (open model timed from intended send time)" : "off");
        sb.Append("</tbody></table>");

        var steps = r.Steps.Where(s => s.Count > 0).ToList();
        var timed = steps.OrderByDescending(s => s.Count).Take(Palette.Length).ToList();

        ChaosSection(sb, r);
        sb.Append("<h2>Charts</h2><div class=\"charts\">");
        sb.Append(LineChart(
            "throughput (requests/s per interval)",
            "rps",
            timed.Select((s, i) => new Series($"{s.Scenario}/{s.Step}", s.Intervals.Select(p => (p.ElapsedSeconds, p.Rps)).ToList(), Palette[i])).ToList(),
            "req/s",
            r.FaultWindows));
        foreach (var s in timed.Take(6))
        {
            var pts = s.Intervals;
            sb.Append(LineChart(
                $"latency {s.Scenario}/{s.Step} (ms)",
                "latency",
                [
                    new Series("p50", pts.Select(p => (p.ElapsedSeconds, p.P50Ms)).ToList(), Palette[0]),
                    new Series("p95", pts.Select(p => (p.ElapsedSeconds, p.P95Ms)).ToList(), Palette[1]),
                    new Series("p99", pts.Select(p => (p.ElapsedSeconds, p.P99Ms)).ToList(), Palette[3]),
                    new Series("max", pts.Select(p => (p.ElapsedSeconds, p.MaxMs)).ToList(), Palette[7]),
                ],
                "ms",
                r.FaultWindows));
        }

        sb.Append(StatusChart(steps));
        if (r.Runtime.Count > 0)
        {
            sb.Append(LineChart(
                "driver CPU (%) and memory (MB)",
                "runtime",
                [
                    new Series("CPU %", r.Runtime.Select(x => (x.ElapsedSeconds, x.CpuPercent)).ToList(), Palette[3]),
                    new Series("working set MB", r.Runtime.Select(x => (x.ElapsedSeconds, x.WorkingSetMb)).ToList(), Palette[0]),
                    new Series("GC heap MB", r.Runtime.Select(x => (x.ElapsedSeconds, x.GcHeapMb)).ToList(), Palette[2]),
                ],
                ""));
        }

        sb.Append("</div>");

        sb.Append("<h2>Steps</h2><p>Latency in ms of OK requests; notification steps (<code>.notified</code>) are timed from the request's (intended) send time to the notification.</p>");
        sb.Append("<table id=\"steps\"><thead><tr><th class=\"l\">scenario</th><th class=\"l\">step</th><th>count</th><th>ok</th><th>fail</th><th>fail %</th><th>RPS</th><th>min</th><th>mean</th><th>max</th><th>stddev</th><th>p50</th><th>p75</th><th>p95</th><th>p99</th><th>p99.9</th><th>KB sent</th><th>KB recv</th></tr></thead><tbody>");
        foreach (var s in steps)
        {
            var l = s.Latency;
            sb.Append("<tr><td class=\"l\">").Append(E(s.Scenario)).Append("</td><td class=\"l\">").Append(E(s.Step)).Append("</td>");
            foreach (var v in new[] { s.Count, s.Ok, s.Fail })
            {
                Cell(sb, v.ToString(CultureInfo.InvariantCulture));
            }

            foreach (var v in new[] { s.FailPercent, s.Rps, l.MinMs, l.MeanMs, l.MaxMs, l.StdDevMs, l.P50Ms, l.P75Ms, l.P95Ms, l.P99Ms, l.P999Ms, s.BytesSent / 1024.0, s.BytesReceived / 1024.0 })
            {
                Cell(sb, v.ToString("0.###", CultureInfo.InvariantCulture));
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table>");
        RetrySection(sb, r);

        sb.Append("<h2>Status codes</h2><table><thead><tr><th class=\"l\">scenario/step</th><th>code</th><th>count</th><th class=\"l\">meaning</th></tr></thead><tbody>");
        foreach (var s in steps)
        {
            foreach (var c in s.StatusCodes)
            {
                sb.Append("<tr><td class=\"l\">").Append(E(s.Scenario + "/" + s.Step)).Append("</td><td>").Append(c.Code)
                    .Append("</td><td>").Append(c.Count).Append("</td><td class=\"l\">").Append(E(c.Message)).Append("</td></tr>");
            }
        }

        sb.Append("</tbody></table>");

        var n = r.Notifications;
        var unexplained = n.Attributed ? " (unexplained)" : "";
        sb.Append("<h2>Notifications</h2><table id=\"notifications\"><thead><tr><th>expected</th><th>received</th><th>lost").Append(unexplained)
            .Append("</th><th>duplicated</th><th>out of order</th><th>contradicting").Append(unexplained)
            .Append("</th><th>unexpected</th><th>late</th><th>silent as expected</th><th>unmatched</th></tr></thead><tbody><tr>");
        foreach (var v in new[] { n.Expected, n.Received, n.Lost, n.Duplicated, n.OutOfOrder, n.Contradicting, n.Unexpected, n.Late, n.ExpectedSilent, n.Unmatched })
        {
            Cell(sb, v.ToString(CultureInfo.InvariantCulture));
        }

        sb.Append("</tr></tbody></table>");
        if (n.Attributed)
        {
            sb.Append("<p>Lost and contradicting: the notifications no fault explains (see Chaos above).</p>");
        }

        if (r.Tasks is { } tasks)
        {
            var columns = tasks.Columns();
            sb.Append("<h2>Tasks</h2><table><thead><tr>");
            foreach (var c in columns)
            {
                sb.Append("<th>").Append(E(c.Key)).Append("</th>");
            }

            sb.Append("</tr></thead><tbody><tr>");
            foreach (var c in columns)
            {
                Cell(sb, c.Value.ToString(CultureInfo.InvariantCulture));
            }

            sb.Append("</tr></tbody></table><p>").Append(E(MarkdownReport.TaskNote)).Append("</p>");
        }

        if (r.Thresholds.Count > 0)
        {
            sb.Append("<h2>Thresholds</h2><table><thead><tr><th class=\"l\">rule</th><th class=\"l\">result</th><th class=\"l\">actual</th></tr></thead><tbody>");
            foreach (var t in r.Thresholds)
            {
                sb.Append("<tr><td class=\"l\"><code>").Append(E(t.Expression)).Append("</code></td><td class=\"l ")
                    .Append(t.Passed ? "pass\">pass" : "fail\">FAIL").Append("</td><td class=\"l\">").Append(E(t.Actual + (t.Error is null ? "" : " (" + t.Error + ")"))).Append("</td></tr>");
            }

            sb.Append("</tbody></table>");
        }

        sb.Append("<h2>Generator</h2><table><tbody>");
        if (r.Generator is { } g)
        {
            Row(sb, "scheduler lag p50 / p99 / max", $"{g.SchedulerLagP50Ms:0.###} / {g.SchedulerLagP99Ms:0.###} / {g.SchedulerLagMaxMs:0.###} ms");
            Row(sb, "dropped arrivals", g.Dropped.ToString(CultureInfo.InvariantCulture));
            Row(sb, "max CPU", g.MaxCpuPercent.ToString("0.#", CultureInfo.InvariantCulture) + " %");
        }

        if (r.Runtime.Count > 0)
        {
            var last = r.Runtime[^1];
            Row(sb, "GC collections gen0/1/2", $"{last.Gen0}/{last.Gen1}/{last.Gen2}");
            Row(sb, "max GC pause share", r.Runtime.Max(x => x.GcPausePercent).ToString("0.##", CultureInfo.InvariantCulture) + " %");
            Row(sb, "max thread-pool queue", r.Runtime.Max(x => x.ThreadPoolQueue).ToString(CultureInfo.InvariantCulture));
        }

        sb.Append("</tbody></table>");
        if (r.Warnings.Count > 0)
        {
            sb.Append("<h2>Warnings</h2><ul>");
            foreach (var w in r.Warnings)
            {
                sb.Append("<li>").Append(E(w)).Append("</li>");
            }

            sb.Append("</ul>");
        }

        sb.Append("<div id=\"tip\"></div><script>").Append(Script).Append("</script></body></html>");
        return sb.ToString();
    }

    /// <summary>First attempts and retries per step, when a retry policy re-sent anything.</summary>
    private static void RetrySection(StringBuilder sb, RunResult r)
    {
        var rows = MarkdownReport.RetryRows(r);
        if (rows.Count == 0)
        {
            return;
        }

        sb.Append("<h2>Retries</h2><p>").Append(E(MarkdownReport.RetryNote)).Append("</p>");
        sb.Append("<table id=\"retries\"><thead><tr><th class=\"l\">scenario</th><th class=\"l\">step</th><th>first attempts</th><th>failed</th>")
            .Append("<th>retries</th><th>retries failed</th><th>gave up</th></tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr><td class=\"l\">").Append(E(row.Scenario)).Append("</td><td class=\"l\">").Append(E(row.Step)).Append("</td>");
            foreach (var v in new[] { row.FirstAttempts, row.Failed, row.Retries, row.RetriesFailed, row.GaveUp })
            {
                Cell(sb, v.ToString(CultureInfo.InvariantCulture));
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table>");
    }

    /// <summary>The fault windows of a chaos run and what the load saw in them, and the lost / contradicting split.</summary>
    private static void ChaosSection(StringBuilder sb, RunResult r)
    {
        var n = r.Notifications;
        if (!n.Attributed && r.FaultWindows.Count == 0)
        {
            return;
        }

        sb.Append("<h2>Chaos: fault windows and what the load saw</h2>");
        if (n.Attributed)
        {
            sb.Append("<p>Matched by requestId against the simulator's records of the notifications its faults cost (<code>/admin/chaos/drops</code>). ")
                .Append("A contradicting notification is explained when a notification of the same pair that a fault cost went missing just before it. ")
                .Append("<code>lost_notifications</code> and <code>contradicting_notifications</code> count the unexplained ones.</p>");
            sb.Append("<table id=\"attribution\"><thead><tr><th class=\"l\"></th><th>total</th><th>explained by a fault</th><th>unexplained</th><th class=\"l\">explained, by fault kind</th></tr></thead><tbody>");
            AttributionRow(sb, "lost", n.LostTotal, n.LostExplained, n.Lost, n.LostExplainedByFault);
            AttributionRow(sb, "contradicting", n.ContradictingTotal, n.ContradictingExplained, n.Contradicting, n.ContradictingExplainedByFault);
            sb.Append("</tbody></table>");
        }

        if (r.FaultWindows.Count > 0)
        {
            sb.Append("<p>What the load saw while each fault was active: requests and notification outcomes recorded in the ")
                .Append("report intervals inside the window, the notifications the simulator recorded as costed by the fault, and the lost and ")
                .Append("contradicting notifications this fault explains.</p>");
            sb.Append("<table id=\"fault-windows\"><thead><tr><th class=\"l\">fault</th><th class=\"l\">kind</th><th class=\"l\">scope</th><th class=\"l\">window</th>")
                .Append("<th>injected</th><th>requests</th><th>of which retries</th><th>failed</th><th>notified ok</th><th>notified failed</th><th>Updates it cost (simulator)</th>")
                .Append("<th>lost explained</th><th>contradicting explained</th><th>unexplained lost sent during</th></tr></thead><tbody>");
            foreach (var f in r.FaultWindows)
            {
                sb.Append("<tr><td class=\"l\">").Append(E(f.Id)).Append("</td><td class=\"l\">").Append(E(f.Kind)).Append("</td><td class=\"l\">").Append(E(f.Scope))
                    .Append("</td><td class=\"l nw\">").Append(E(Window(f))).Append("</td>");
                var l = f.Load;
                foreach (var v in new long?[] { f.Injected, l?.Requests, l?.Retries, l?.FailedRequests, l?.NotificationsOk, l?.NotificationsFailed, f.Undelivered, l?.LostExplained, l?.ContradictingExplained, l?.LostUnexplainedSentDuring })
                {
                    Cell(sb, v?.ToString(CultureInfo.InvariantCulture) ?? "–");
                }

                sb.Append("</tr>");
            }

            sb.Append("</tbody></table>");
        }
    }

    private const string Script = """
        (function () {
          'use strict';
          var tip = document.getElementById('tip');
          var charts = document.querySelectorAll('svg.chart-svg');
          charts.forEach(function (svg) {
            svg.querySelectorAll('[data-v]').forEach(function (el) {
              el.addEventListener('mouseenter', function (e) {
                tip.textContent = el.getAttribute('data-v');
                tip.style.display = 'block';
              });
              el.addEventListener('mousemove', function (e) {
                tip.style.left = (e.clientX + 12) + 'px';
                tip.style.top = (e.clientY + 12) + 'px';
              });
              el.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
            });
          });
          document.body.setAttribute('data-charts', String(charts.length));
          window.mrdloadChartCount = charts.length;
        })();
        """;

    private sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, string Color);

    private static string LineChart(string title, string kind, IReadOnlyList<Series> series, string unit, IReadOnlyList<Chaos.FaultWindow>? faults = null)
    {
        const int w = 560, h = 260, left = 56, right = 12, top = 14, bottom = 34;
        var all = series.SelectMany(s => s.Points).ToList();
        var maxX = all.Count == 0 ? 1 : Math.Max(all.Max(p => p.X), 1e-3);
        var maxY = NiceMax(all.Count == 0 ? 1 : all.Max(p => p.Y));
        double X(double x) => left + (x / maxX * (w - left - right));
        double Y(double y) => h - bottom - (y / maxY * (h - top - bottom));
        var sb = new StringBuilder();
        sb.Append("<div class=\"chart\" data-kind=\"").Append(kind).Append("\"><h3>").Append(E(title)).Append("</h3>");
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{E(title)}\">");
        for (var i = 0; i <= 4; i++)
        {
            var yv = maxY * i / 4;
            var y = Y(yv);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{w - right}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{y + 4:0.#}\" font-size=\"10\" text-anchor=\"end\">{Short(yv)}</text>");
            var xv = maxX * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv):0.#}\" y=\"{h - bottom + 14}\" font-size=\"10\" text-anchor=\"middle\">{xv:0.#}s</text>");
        }

        // Chaos fault windows, shaded behind the series (an open window runs to the right edge).
        foreach (var f in faults ?? [])
        {
            var x1 = X(Math.Min(f.StartSeconds, maxX));
            var x2 = X(Math.Min(f.EndSeconds ?? maxX, maxX));
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"fault\" x=\"{x1:0.#}\" y=\"{top}\" width=\"{Math.Max(1, x2 - x1):0.#}\" height=\"{h - top - bottom}\" fill=\"#d62728\" fill-opacity=\"0.10\" data-v=\"fault {E(f.Id)} {E(f.Kind)} ({E(f.Scope)}) {f.StartSeconds:0.#}s-{(f.EndSeconds is { } e ? e.ToString("0.#", CultureInfo.InvariantCulture) + "s" : "end")}: {f.Injected} injected{(f.Load is { } load ? $", {load.LostExplained} lost and {load.ContradictingExplained} contradicting explained" : "")}\"><title>{E(f.Kind)}</title></rect>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{h - bottom}\" x2=\"{w - right}\" y2=\"{h - bottom}\" stroke=\"#888\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{h - bottom}\" stroke=\"#888\"/>");
        foreach (var s in series)
        {
            if (s.Points.Count == 0)
            {
                continue;
            }

            sb.Append("<polyline class=\"series\" fill=\"none\" stroke-width=\"1.8\" stroke=\"").Append(s.Color).Append("\" points=\"");
            foreach (var (x, y) in s.Points)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{X(x):0.#},{Y(y):0.#} ");
            }

            sb.Append("\"><title>").Append(E(s.Name)).Append("</title></polyline>");
            if (s.Points.Count <= 400)
            {
                foreach (var (x, y) in s.Points)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(x):0.#}\" cy=\"{Y(y):0.#}\" r=\"2.5\" fill=\"{s.Color}\" data-v=\"{E(s.Name)} @ {x:0.#}s: {y:0.###} {unit}\"/>");
                }
            }
        }

        // Legend.
        var lx = left + 6;
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var ly = top + 4 + (i * 13);
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{ly}\" width=\"10\" height=\"3\" fill=\"{s.Color}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{lx + 14}\" y=\"{ly + 5}\" font-size=\"10\">{E(s.Name)}</text>");
        }

        sb.Append("</svg></div>");
        return sb.ToString();
    }

    private static string StatusChart(IReadOnlyList<StepSummary> steps)
    {
        var codes = steps.SelectMany(s => s.StatusCodes)
            .GroupBy(c => c.Code)
            .Select(g => (Code: g.Key, Count: g.Sum(c => c.Count), Message: g.First().Message))
            .OrderByDescending(c => c.Count)
            .Take(12)
            .ToList();
        const int w = 560, rowH = 20, left = 210;
        var h = Math.Max(40, (codes.Count * rowH) + 20);
        var max = codes.Count == 0 ? 1 : codes.Max(c => c.Count);
        var sb = new StringBuilder();
        sb.Append("<div class=\"chart\" data-kind=\"status\"><h3>status codes (all steps)</h3>");
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"status codes\">");
        for (var i = 0; i < codes.Count; i++)
        {
            var c = codes[i];
            var y = 10 + (i * rowH);
            var bw = Math.Max(1, (w - left - 70) * c.Count / (double)max);
            var bad = c.Code < 0 || c.Code >= 400 || c.Code == StatusCodes.AsyncError;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{y + 13}\" font-size=\"11\" text-anchor=\"end\">{c.Code} {E(Trim(c.Message, 26))}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{left}\" y=\"{y + 2}\" width=\"{bw:0.#}\" height=\"{rowH - 6}\" fill=\"{(bad ? "#d62728" : "#2ca02c")}\" data-v=\"{c.Code} {E(c.Message)}: {c.Count}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + bw + 4:0.#}\" y=\"{y + 13}\" font-size=\"11\">{c.Count}</text>");
        }

        sb.Append("</svg></div>");
        return sb.ToString();
    }

    private static double NiceMax(double v)
    {
        if (v <= 0)
        {
            return 1;
        }

        var exp = Math.Pow(10, Math.Floor(Math.Log10(v)));
        var f = v / exp;
        var nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * exp;
    }

    private static string Short(double v) => v >= 10_000 ? (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static void Row(StringBuilder sb, string k, string v) =>
        sb.Append("<tr><th class=\"l\">").Append(E(k)).Append("</th><td class=\"l\">").Append(E(v)).Append("</td></tr>");

    private static void Cell(StringBuilder sb, string v) => sb.Append("<td>").Append(v).Append("</td>");

    private static void AttributionRow(StringBuilder sb, string what, long total, long explained, long unexplained, IReadOnlyDictionary<string, long> byKind)
    {
        sb.Append("<tr><th class=\"l\">").Append(what).Append("</th>");
        Cell(sb, total.ToString(CultureInfo.InvariantCulture));
        Cell(sb, explained.ToString(CultureInfo.InvariantCulture));
        sb.Append("<td class=\"").Append(unexplained > 0 ? "fail" : "pass").Append("\">").Append(unexplained.ToString(CultureInfo.InvariantCulture)).Append("</td>");
        sb.Append("<td class=\"l\">").Append(E(ByKind(byKind))).Append("</td></tr>");
    }

    internal static string ByKind(IReadOnlyDictionary<string, long> byKind) =>
        byKind.Count == 0 ? "–" : string.Join(", ", byKind.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));

    internal static string Window(Chaos.FaultWindow f) =>
        f.StartSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "–" + (f.EndSeconds is { } e ? e.ToString("0.#", CultureInfo.InvariantCulture) : "end") + " s";

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
