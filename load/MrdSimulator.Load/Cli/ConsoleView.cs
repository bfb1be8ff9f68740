using System.Globalization;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MrdSimulator.Load.Cli;

/// <summary>Plain progress lines: for CI and whenever output is not a terminal.</summary>
public sealed class PlainConsoleView(TextWriter output) : IRunObserver
{
    public void OnPhase(string phase, string detail) =>
        output.WriteLine($"[mrdload] {phase}{(detail.Length > 0 ? ": " + detail : "")}");

    public void OnInterval(LiveSnapshot snapshot)
    {
        var s = snapshot;
        var count = s.Steps.Sum(x => x.Count);
        var fail = s.Steps.Sum(x => x.Fail);
        var worst = s.Steps.Where(x => x.Ok > 0).OrderByDescending(x => x.Latency.P99Ms).FirstOrDefault();
        var failedThresholds = s.Thresholds.Count(t => !t.Passed);
        output.WriteLine(
            $"[mrdload] {s.Elapsed.TotalSeconds,6:0.0}s/{s.Total.TotalSeconds:0}s requests {count} fail {fail} rps {(s.Elapsed.TotalSeconds > 0 ? count / s.Elapsed.TotalSeconds : 0):0.0} " +
            $"worst-p99 {(worst is null ? "-" : $"{worst.Latency.P99Ms:0.##}ms ({worst.Step})")} " +
            $"notif lost {s.Notifications.Lost} dup {s.Notifications.Duplicated} ooo {s.Notifications.OutOfOrder} contra {s.Notifications.Contradicting} " +
            (s.Tasks is { } t ? $"tasks submitted {t.Submitted} offered {t.Offered} closed {t.Closed} transferred {t.Transferred} " : "") +
            $"cpu {s.Runtime?.CpuPercent ?? 0:0}% mem {s.Runtime?.WorkingSetMb ?? 0:0}MB inflight {s.Runtime?.InFlight ?? 0}" +
            (s.Thresholds.Count > 0 ? $" thresholds {s.Thresholds.Count - failedThresholds}/{s.Thresholds.Count} ok" : ""));
    }
}

/// <summary>A live table in the terminal (Spectre.Console), refreshed every interval.</summary>
public sealed class LiveConsoleView(IAnsiConsole console) : IRunObserver
{
    private volatile LiveSnapshot? _latest;
    private volatile string _phase = "init";

    public void OnPhase(string phase, string detail) => _phase = phase + (detail.Length > 0 ? ": " + detail : "");

    public void OnInterval(LiveSnapshot snapshot) => _latest = snapshot;

    /// <summary>Shows the live table until <paramref name="run"/> completes.</summary>
    public async Task<T> ShowWhileAsync<T>(Task<T> run)
    {
        await console.Live(Render()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!run.IsCompleted)
            {
                ctx.UpdateTarget(Render());
                await Task.WhenAny(run, Task.Delay(500));
            }

            ctx.UpdateTarget(Render());
        });
        return await run;
    }

    private IRenderable Render()
    {
        var s = _latest;
        var header = new Markup($"[bold]mrdload[/] {Markup.Escape(_phase)}");
        if (s is null)
        {
            return header;
        }

        var fraction = s.Total.TotalSeconds <= 0 ? 1 : Math.Clamp(s.Elapsed.TotalSeconds / s.Total.TotalSeconds, 0, 1);
        var bar = new string('█', (int)(fraction * 30)) + new string('░', 30 - (int)(fraction * 30));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("scenario", "step", "count", "ok", "fail", "rps", "p50 ms", "p95 ms", "p99 ms", "max ms");
        foreach (var x in s.Steps)
        {
            table.AddRow(
                Markup.Escape(x.Scenario), Markup.Escape(x.Step), N(x.Count), N(x.Ok),
                x.Fail > 0 ? $"[red]{x.Fail}[/]" : "0", D(x.Rps), D(x.Latency.P50Ms), D(x.Latency.P95Ms), D(x.Latency.P99Ms), D(x.Latency.MaxMs));
        }

        var n = s.Notifications;
        var rows = new List<IRenderable>
        {
            header,
            new Markup($"{bar} {s.Elapsed.TotalSeconds:0.0}s / {s.Total.TotalSeconds:0}s"),
            table,
            new Markup(Markup.Escape(
                $"notifications: expected {n.Expected} received {n.Received} lost {n.Lost} duplicated {n.Duplicated} out-of-order {n.OutOfOrder} contradicting {n.Contradicting} silent-ok {n.ExpectedSilent}")),
        };
        if (s.Tasks is { } tasks)
        {
            rows.Add(new Markup(Markup.Escape(
                $"tasks: submitted {tasks.Submitted} offered {tasks.Offered} closed {tasks.Closed} transferred {tasks.Transferred} RONAs {tasks.Ronas} duplicate events {tasks.DuplicateEvents}")));
        }

        if (s.Runtime is { } r)
        {
            var cpu = r.CpuPercent >= 90 ? $"[red]{r.CpuPercent:0}%[/]" : $"{r.CpuPercent:0}%";
            rows.Add(new Markup($"driver: cpu {cpu} working set {r.WorkingSetMb:0} MB gc heap {r.GcHeapMb:0} MB gen0/1/2 {r.Gen0}/{r.Gen1}/{r.Gen2} in-flight {r.InFlight} pool queue {r.ThreadPoolQueue}"));
        }

        foreach (var t in s.Thresholds)
        {
            rows.Add(new Markup($"{(t.Passed ? "[green]pass[/]" : "[red]FAIL[/]")} {Markup.Escape(t.Expression)} (actual {Markup.Escape(t.Actual)})"));
        }

        return new Rows(rows);
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string D(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}

public static class Summary
{
    public static void Print(TextWriter output, RunResult r)
    {
        output.WriteLine();
        output.WriteLine($"mrdload: {r.TestName}, {r.DurationSeconds:0.###} s, {string.Join("; ", r.LoadSimulations)}");
        output.WriteLine($"{"scenario/step",-36} {"count",9} {"fail",7} {"rps",9} {"p50",9} {"p95",9} {"p99",9} {"p99.9",9} {"max",9}  (ms)");
        foreach (var s in r.Steps)
        {
            var l = s.Latency;
            output.WriteLine(FormattableString.Invariant(
                $"{Trim(s.Scenario + "/" + s.Step, 36),-36} {s.Count,9} {s.Fail,7} {s.Rps,9:0.##} {l.P50Ms,9:0.###} {l.P95Ms,9:0.###} {l.P99Ms,9:0.###} {l.P999Ms,9:0.###} {l.MaxMs,9:0.###}"));
        }

        var n = r.Notifications;
        if (n.Expected + n.Received + n.Unmatched > 0)
        {
            output.WriteLine($"notifications: expected {n.Expected} received {n.Received} lost {n.Lost} duplicated {n.Duplicated} out-of-order {n.OutOfOrder} contradicting {n.Contradicting} unexpected {n.Unexpected} late {n.Late} silent-as-expected {n.ExpectedSilent} unmatched {n.Unmatched}");
            if (n.Attributed)
            {
                output.WriteLine(
                    $"explained by faults: lost {n.LostExplained} of {n.LostTotal} ({Reports.HtmlReport.ByKind(n.LostExplainedByFault)}), " +
                    $"contradicting {n.ContradictingExplained} of {n.ContradictingTotal} ({Reports.HtmlReport.ByKind(n.ContradictingExplainedByFault)}); unexplained: lost {n.Lost}, contradicting {n.Contradicting}");
            }
        }

        if (r.Tasks is { } tasks)
        {
            output.WriteLine("tasks: " + string.Join(", ", tasks.Columns().Where(c => c.Value != 0 || c.Key is "submitted" or "closed" or "lost" or "queued").Select(c => $"{c.Key} {c.Value}")));
        }

        if (r.Generator is { } g)
        {
            output.WriteLine(FormattableString.Invariant(
                $"generator: max cpu {g.MaxCpuPercent:0.#}% scheduler lag p99 {g.SchedulerLagP99Ms:0.###} ms dropped {g.Dropped}"));
        }

        foreach (var t in r.Thresholds)
        {
            output.WriteLine($"threshold {(t.Passed ? "pass" : "FAIL")}: {t.Expression} (actual {t.Actual}{(t.Error is null ? "" : ", " + t.Error)})");
        }

        foreach (var w in r.Warnings)
        {
            output.WriteLine($"warning: {w}");
        }

        if (r.AbortReason is not null)
        {
            output.WriteLine($"run aborted: {r.AbortReason}");
        }
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
