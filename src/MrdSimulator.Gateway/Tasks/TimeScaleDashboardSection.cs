using System.Globalization;
using MrdSimulator.Gateway.Observability.Dashboard;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>
/// The dashboard's "Time scaling" block: per MRD, what real-time hops added to the bots' tasks in simulated seconds
/// and whether that is over the bound (docs/capacity.md, "Live time scaling"). Read from the task census's last
/// reading, so it costs no grain call of its own; shown once a bot has closed a task.
/// </summary>
public sealed class TimeScaleDashboardSection(TaskCensus census, TaskSimulationOptions options) : IDashboardSection
{
    public string Id => "time-scaling";

    public DashboardSection? Collect(DashboardContext context)
    {
        var timed = census.Last.Mrds.Select(m => m.Capacity).Where(c => c.TimedTasks > 0).ToList();
        if (timed.Count == 0)
        {
            return null;
        }

        var worst = timed.Max(c => c.TimeDistortion ?? 0);
        var rows = timed.Select(c => (IReadOnlyList<string>)
        [
            c.MrdId.ToString(CultureInfo.InvariantCulture),
            MetricText.Format(c.TimedTasks),
            Seconds(c.MeanOfferLagSeconds),
            Seconds(c.MeanHandleInflationSeconds),
            Seconds(c.MeanTimerLatenessSeconds),
            c.TimeDistortion is { } d ? Percent(d) : "–",
            c.TimeDistortionExceedsBound ? "over the bound" : "ok",
        ]).ToList();
        return new DashboardSection(
            Id,
            string.Create(CultureInfo.InvariantCulture, $"Time scaling (×{options.TimeScale:0.###}, bound {CapacitySnapshot.DistortionBound:0.#%} of handle time)"),
            [new DashboardStat("Time scale", options.TimeScale, "×"), new DashboardStat("Worst distortion", Math.Round(worst * 100, 2), "%")],
            new DashboardTable(["MRD", "Timed tasks", "Offer lag", "Handle inflation", "Timer lateness", "Distortion", "Status"], rows),
            Order: 25);
    }

    private static string Seconds(double? value) => value is { } v ? MetricText.Format(Math.Round(v, 3)) + " s" : "–";

    private static string Percent(double ratio) => MetricText.Format(Math.Round(ratio * 100, 2)) + " %";
}
