using System.Globalization;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>
/// What <c>--time-scale</c> does to a live run's model, in words: estimated at start-up, measured in
/// <c>/admin/capacity</c> (docs/capacity.md, "Live time scaling").
/// </summary>
public static class TimeScaleAdvice
{
    /// <summary>
    /// Real time the hops of one bot task add (Update delivery, five grain calls, three timers), as measured on a
    /// 2-core machine under load (docs/capacity.md): the start-up estimate multiplies it by the scale.
    /// </summary>
    public const double AssumedRealSecondsPerTask = 0.005;

    private const string Planner = "use `mrdsim plan` (docs/capacity.md) for exact capacity answers";

    /// <summary>One line for start-up when time is scaled and there is simulated traffic; null otherwise.</summary>
    public static string? StartupLine(TaskSimulationOptions options)
    {
        if (options.TimeScale <= 1 || (options.BotsPerMrd <= 0 && options.TasksPerHour <= 0))
        {
            return null;
        }

        var intended = options.MeanHandleSeconds + new BotProfile().WrapUpSeconds;
        var estimate = AssumedRealSecondsPerTask * options.TimeScale;
        var ratio = intended > 0 ? estimate / intended : double.PositiveInfinity;
        var over = ratio > CapacitySnapshot.DistortionBound;
        return Invariant($"{(over ? "Warning: time" : "Time")} scale {options.TimeScale:0.###}: each task's real-time hops (~{AssumedRealSecondsPerTask * 1000:0.#} ms, assumed) ")
            + Invariant($"become ~{estimate:0.##} simulated s, {ratio:0.##%} of the {intended:0.#} s handle time and wrap-up ")
            + Invariant($"({(over ? "over" : "within")} the {CapacitySnapshot.DistortionBound:0.#%} bound{(over ? ", so waits and occupancy will read high" : string.Empty)}); ")
            + $"/admin/capacity measures it (timeDistortion); {Planner}";
    }

    /// <summary>
    /// The capacity report's warning: every MRD whose measured distortion is over the bound, and every generator
    /// that fell short of its rate by more than the bound and chance (three standard errors) explain; null when none.
    /// </summary>
    public static string? Warning(IEnumerable<CapacitySnapshot> mrds, double timeScale, IReadOnlyList<GeneratedArrivals>? arrivals = null)
    {
        var over = mrds.Where(m => m.TimeDistortionExceedsBound).ToList();
        var slow = (arrivals ?? []).Where(a => a.ShortOfRate).ToList();
        if (over.Count == 0 && slow.Count == 0)
        {
            return null;
        }

        var which = over.Select(m => Invariant(
            $"MRD {m.MrdId} {m.MrdName}: +{m.TimeDistortionSeconds:0.##} s per task ({m.TimeDistortion:0.##%} of the {m.MeanIntendedHandleSeconds:0.#} s intended handle time)"))
            .Concat(slow.Select(a => Invariant($"MRD {a.MrdId}: {a.PerHour:0.#} arrivals per hour of the {a.ConfiguredPerHour:0.#} asked")));
        return Invariant($"Time scale {timeScale:0.###} distorts the model beyond the {CapacitySnapshot.DistortionBound:0.#%} bound — {string.Join("; ", which)}: ")
            + $"real-time hops lengthen every task (and every gap between generated arrivals), so waits and occupancy are not those of the load asked for. Lower --time-scale, or {Planner}.";
    }

    /// <summary>The arrival rate each MRD got since this process started the generators (simulated time); empty without generators.</summary>
    public static IReadOnlyList<GeneratedArrivals> Arrivals(IEnumerable<CapacitySnapshot> mrds, double configuredPerHour, TimeSpan? since) =>
        configuredPerHour <= 0 || since is not { TotalHours: > 0 } elapsed
            ? []
            : [.. mrds.Select(m => new GeneratedArrivals(m.MrdId, m.Submitted, m.Submitted / elapsed.TotalHours, configuredPerHour, elapsed.TotalHours))];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Arrivals an MRD got from its generator: each gap is timed from the previous arrival's (late) callback, so
/// real-time hops stretch the gaps and lower the rate under a large <c>--time-scale</c>.
/// </summary>
public sealed record GeneratedArrivals(int MrdId, long Submitted, double PerHour, double ConfiguredPerHour, double Hours)
{
    /// <summary>Short of the asked rate by more than the bound and by more than three Poisson standard errors.</summary>
    public bool ShortOfRate
    {
        get
        {
            var expected = ConfiguredPerHour * Hours;
            return expected > 0 && expected - Submitted > Math.Max(CapacitySnapshot.DistortionBound * expected, 3 * Math.Sqrt(expected));
        }
    }
}
