using System.Globalization;
using System.Text;
using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Gateway.Planning;

/// <summary>The planner's answer as a table to read in a terminal.</summary>
public static class PlanTextReport
{
    public static string Render(PlanResult result)
    {
        var o = result.Options;
        var f = result.Figures;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Plan: {f.Agents} agents × {o.DialogsPerAgent} dialog(s), {Rate(o)}, handle {o.HandleSeconds:0.#} s ({Shape(o)}), patience {(o.PatienceSeconds is { } p ? Invariant($"{p:0.#} s (exponential)") : "none")}"));
        text.AppendLine(Invariant($"Simulated {f.Offered + f.WarmUpTasks:N0} tasks ({f.WarmUpTasks:N0} warm-up left out) over {Hours(f.SimulatedSeconds)} of simulated time, seed {o.Seed}; {(result.Runs == 1 ? "the run" : $"{result.Runs} runs")} took {result.Elapsed.TotalSeconds:0.0} s"));
        text.AppendLine();

        var formulaName = o.PatienceSeconds is null ? "Erlang C" : "Erlang A";
        var formula = result.Formula?.Matching;
        var rows = new List<(string Name, string Simulated, string Formula)>
        {
            ("Offered", Invariant($"{f.Offered:N0}"), ""),
            ("Handled", Invariant($"{f.Handled:N0}"), ""),
            ("Abandoned", o.PatienceSeconds is null ? Invariant($"{f.Abandoned:N0}") : Invariant($"{f.Abandoned:N0}, {Ci(f.AbandonedShare, Percent)}"), formula is null || o.PatienceSeconds is null ? "" : Percent(formula.Abandoned)),
            ("P(wait)", Ci(f.PWait, Share), formula is null ? "" : Share(formula.PWait)),
            ("Mean wait", Ci(f.MeanWaitSeconds, Seconds), formula is null ? "" : Seconds(formula.MeanWaitSeconds)),
            (Invariant($"Service level ({o.ThresholdSeconds:0.#} s)"), Ci(f.ServiceLevel, Percent), formula is null ? "" : Percent(formula.ServiceLevel)),
            ("Occupancy", Share(f.Occupancy), formula is null ? "" : Share(formula.Occupancy)),
            ("90th percentile wait", Seconds(f.P90WaitSeconds), ""),
        };
        if (result.Formula?.ErlangA is not null)
        {
            rows.Add(("Erlang C (no abandonment)", "", Invariant($"P(wait) {Share(result.Formula.ErlangC.PWait)}, SL {Percent(result.Formula.ErlangC.ServiceLevel)}")));
        }

        var width = rows.Max(r => r.Name.Length) + 2;
        var simWidth = Math.Max(rows.Max(r => r.Simulated.Length), 24) + 2;
        text.Append(' ', width).Append("simulated (95 % CI)".PadRight(simWidth)).AppendLine(result.Formula is null ? "formula: per interval below" : formulaName);
        foreach (var (name, simulated, value) in rows)
        {
            text.AppendLine((name.PadRight(width) + simulated.PadRight(simWidth) + value).TrimEnd());
        }

        if (result.Staffing is { } staffing)
        {
            text.AppendLine();
            text.AppendLine(Invariant($"Staffing for {Target(o)}: {staffing.Agents} agents by simulation, {staffing.FormulaAgents} by {formulaName}."));
            foreach (var tried in staffing.Tried)
            {
                text.AppendLine(Invariant($"  {tried.Agents,4} agents: service level {Ci(tried.ServiceLevel, Percent)}, abandoned {Percent(tried.AbandonedShare.Value)}{(StaffingSearch.Meets(tried, o) ? "  meets" : "")}"));
            }
        }

        if (o.Profile is not null)
        {
            text.AppendLine();
            text.AppendLine(result.IntervalStaffing.Count > 0 ? "Interval  tasks/h  offered  SL      mean wait  " + formulaName + " SL  agents (sim / formula)" : "Interval  tasks/h  offered  SL      mean wait  " + formulaName + " SL");
            for (var i = 0; i < f.Intervals.Count; i++)
            {
                var interval = f.Intervals[i];
                var staffed = result.IntervalStaffing.Count > i && result.IntervalStaffing[i].Answer is { } a ? Invariant($"  {a.Agents} / {a.FormulaAgents}") : "";
                text.AppendLine(Invariant($"{Clock(o.Profile.OriginSeconds + interval.StartSeconds),-8}  {interval.TasksPerHour,7:0.#}  {interval.Offered,7:N0}  {Maybe(interval.ServiceLevel, Percent),-6}  {Maybe(interval.MeanWaitSeconds, Seconds),-9}  {Maybe(result.IntervalFormulas[i]?.Matching.ServiceLevel, Percent),-10}{staffed}"));
            }
        }

        if (result.ModelDifferences.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"The simulation and {formulaName} may rightly differ here:");
            foreach (var note in result.ModelDifferences)
            {
                text.Append("  - ").AppendLine(note);
            }
        }

        return text.ToString();
    }

    internal static string Target(PlanOptions o) => string.Join(" and ", new[]
    {
        o.TargetServiceLevel is { } sl ? Invariant($"{sl:P0} answered within {o.ThresholdSeconds:0.#} s") : null,
        o.MaxAbandoned is { } max ? Invariant($"at most {max:P1} abandoned") : null,
    }.OfType<string>());

    internal static string Rate(PlanOptions o) => o.Profile is { } profile
        ? Invariant($"{profile.TasksPerHour.Length} intervals of {profile.SlotSeconds / 60:0.#} min from {Clock(profile.OriginSeconds)}")
        : Invariant($"{o.TasksPerHour:0.##} tasks/h");

    internal static string Shape(PlanOptions o) => o.Handling.Shape switch
    {
        GrainInterfaces.Simulation.WorkShape.LogNormal => Invariant($"log-normal, CV {o.Handling.CoefficientOfVariation:0.##}"),
        GrainInterfaces.Simulation.WorkShape.Fixed => "fixed",
        _ => "exponential",
    };

    internal static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 86_400 ? @"d\.hh\:mm" : @"hh\:mm", CultureInfo.InvariantCulture);

    private static string Hours(double seconds) => Invariant($"{seconds / 3600:0.#} h");

    private static string Ci(Estimate e, Func<double, string> format) => $"{format(e.Value)} ({format(e.Lower)}–{format(e.Upper)})";

    private static string Maybe(double? value, Func<double, string> format) => value is { } v ? format(v) : "-";

    private static string Share(double value) => Invariant($"{value:0.000}");

    private static string Percent(double value) => Invariant($"{value * 100:0.0} %");

    private static string Seconds(double value) => double.IsFinite(value) ? Invariant($"{value:0.0} s") : "∞";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
