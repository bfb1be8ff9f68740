using System.Diagnostics;
using System.Globalization;
using MrdSimulator.Domain.Planning;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Planning;

/// <summary>
/// The <c>plan</c> verb: runs the model on the virtual clock, measures it, puts the formula beside it, and — with a
/// target — searches the staffing. Progress goes to standard error so <c>--json</c> output stays one object.
/// </summary>
public static class PlanCommand
{
    /// <summary>Tasks each candidate of a per-interval staffing search simulates (a steady state at the interval's rate).</summary>
    public const int IntervalSearchTasks = 10_000;

    /// <returns>0 on an answer, 2 for a bad switch, 1 when the run failed.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (CommandLineSwitches.WantsHelp(args))
        {
            await output.WriteAsync(PlanCommandLine.Usage());
            return 0;
        }

        PlanOptions options;
        try
        {
            options = PlanCommandLine.Parse(args);
            if (options.HtmlFile is { } html && Path.GetDirectoryName(Path.GetFullPath(html)) is { } folder && !Directory.Exists(folder))
            {
                throw new OptionsException("--html", $"folder '{folder}' does not exist");
            }
        }
        catch (Exception ex) when (ex is OptionsException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"mrdsim plan: {ex.Message}");
            return 2;
        }

        PlanResult result;
        try
        {
            result = await PlanAsync(options, error, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or ArgumentException)
        {
            await error.WriteLineAsync($"mrdsim plan: the run failed: {ex.Message}");
            return 1;
        }

        await output.WriteAsync(options.Json ? PlanJsonReport.Render(result) + Environment.NewLine : PlanTextReport.Render(result));
        if (options.HtmlFile is { } file)
        {
            await File.WriteAllTextAsync(file, PlanHtmlReport.Render(result), cancellationToken);
            await error.WriteLineAsync($"mrdsim plan: report written to {file}");
        }

        return 0;
    }

    /// <summary>Answers <paramref name="options"/>: one run, or a staffing search (per interval for a profile).</summary>
    public static async Task<PlanResult> PlanAsync(PlanOptions options, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        long events = 0;
        var runs = 0;
        async Task<PlanFigures> SimulateAsync(PlanOptions model, int agents)
        {
            var run = await PlanSimulation.RunAsync(model, agents, cancellationToken);
            // A staffing search runs candidates side by side.
            Interlocked.Add(ref events, run.TimerEvents);
            Interlocked.Increment(ref runs);
            var figures = PlanFigures.Of(run, model);
            progress?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mrdsim plan: {agents} agents, {run.Tasks.Count:N0} tasks in {run.Elapsed.TotalSeconds:0.0} s: service level {figures.ServiceLevel.Value:P1}, P(wait) {figures.PWait.Value:0.000}, abandoned {figures.AbandonedShare.Value:P1}"));
            return figures;
        }

        WarnIfUnstable(options, progress);
        StaffingAnswer? staffing = null;
        var intervalStaffing = new List<IntervalStaffing>();
        PlanFigures figures;
        if (options.SearchesStaffing && options.Profile is { } profile)
        {
            // Each interval as a steady state of its own, as the formula treats it; equal rates share one search.
            var answers = new Dictionary<double, StaffingAnswer?>();
            foreach (var (rate, i) in profile.TasksPerHour.Select((r, i) => (r, i)))
            {
                if (!answers.TryGetValue(rate, out var answer))
                {
                    var model = options with { Profile = null, TasksPerHour = rate, Tasks = IntervalSearchTasks };
                    answers[rate] = answer = rate > 0 ? await StaffingSearch.FindAsync(model, SimulateAsync, cancellationToken) : null;
                }

                intervalStaffing.Add(new IntervalStaffing(i * profile.SlotSeconds, rate, answer));
            }

            // The day itself, staffed for its busiest interval all day: what the per-interval answers add up to at the peak.
            var peak = Math.Max(1, intervalStaffing.Max(s => s.Answer?.Agents ?? 0));
            progress?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mrdsim plan: the day run staffs the peak interval's {peak} agents all day"));
            figures = await SimulateAsync(options, peak);
        }
        else if (options.SearchesStaffing)
        {
            staffing = await StaffingSearch.FindAsync(options, SimulateAsync, cancellationToken);
            figures = staffing.Figures;
        }
        else
        {
            figures = await SimulateAsync(options, options.Agents!.Value);
        }

        // A stationary run's slices share its one rate, so they share its formula.
        var formula = options.Profile is null ? FormulaFigures.For(options, options.TasksPerHour, figures.Agents) : null;
        var intervalFormulas = figures.Intervals.Select(i => formula ?? (i.TasksPerHour > 0 ? FormulaFigures.For(options, i.TasksPerHour, figures.Agents) : null)).ToList();
        return new PlanResult(options, figures, formula, intervalFormulas, staffing, intervalStaffing, runs, clock.Elapsed, events);
    }

    private static void WarnIfUnstable(PlanOptions options, TextWriter? progress)
    {
        if (options.Profile is not null || options.PatienceSeconds is not null || options.Agents is not { } agents)
        {
            return;
        }

        var erlangs = new Workload(options.TasksPerHour, options.HandleSeconds).OfferedErlangs;
        var servers = agents * options.DialogsPerAgent;
        if (erlangs >= servers)
        {
            progress?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mrdsim plan: warning: {erlangs:0.##} erlangs offered to {servers} dialog slots: the queue has no steady state and waits grow with the run's length (add agents, or --patience)"));
        }
    }
}
