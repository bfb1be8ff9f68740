using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// The task figures of every MRD — queue, offers, outcomes, waits, service level, occupancy — read from the MRDs'
/// statistics grains, which every silo's outbox feeds: cluster-wide figures, the same in every process, and nothing
/// added to the request path. Published as observable instruments <c>mrdsim.tasks.*{mrd}</c> reporting the last
/// reading (refreshed at most once a second, <see cref="GrainReading{T}"/>). An MRD appears once it has had a task.
/// </summary>
public sealed class TaskCensus : IGrainMetricSource, IDisposable
{
    public const string MeterName = "MrdSimulator.Tasks";

    /// <summary>Queue waits: two counters over OTLP, one histogram <c>mrdsim_tasks_wait_seconds</c> in <c>/metrics</c> and on the dashboard.</summary>
    public static HistogramView WaitHistogram { get; } = new(
        "mrdsim.tasks.wait", "mrdsim.tasks.wait.buckets", "mrdsim.tasks.wait.sum", "s",
        "Time tasks waited in the MRD's queue until an agent took the offer (per queue visit)");

    private readonly GrainReading<TaskFigures> _reading;

    public TaskCensus(MrdStatsReader stats, IMeterFactory meters)
    {
        _reading = new GrainReading<TaskFigures>(
            async () => new TaskFigures([.. (await stats.ReadAsync(g => g.GetTaskFiguresAsync())).Where(HasHadTasks)]),
            new TaskFigures([]));

        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("mrdsim.tasks.queued", () => PerMrd<long>(f => f.Capacity.Queued), "{task}", "Tasks waiting in the MRD's queue");
        Count("submitted", c => c.Submitted, "Tasks that entered the MRD: new, transferred in, resubmitted at sign-out");
        Count("offered", c => c.Offered, "Offers an agent's grain took, RONA re-offers included");
        Count("handled", c => c.Handled, "Tasks closed by their agent");
        Count("abandoned", c => c.Abandoned, "Tasks cancelled while queued");
        Count("expired", c => c.Expired, "Tasks ended by taskLife in the queue or maxTaskDuration after the offer");
        Count("rona", c => c.Ronas, "Offers not accepted within taskStartTimeout (Redirect On No Answer)");
        meter.CreateObservableGauge("mrdsim.tasks.service_level", () => PerMrd(f => f.Capacity.ServiceLevel), "1",
            "Offers within the MRD's service level threshold ÷ (offered + abandoned + expired), since the start");
        meter.CreateObservableGauge("mrdsim.tasks.occupancy", () => PerMrd(f => f.Capacity.AgentOccupancy), "1",
            "Agent time with at least one live dialog ÷ signed-in agent time, since the start");
        meter.CreateObservableGauge("mrdsim.tasks.time_distortion", () => PerMrd(f => f.Capacity.TimeDistortion), "1",
            "Simulated time real-time hops add to each bot task (offer lag + handle inflation) ÷ the intended handle time; over 0.01 the live run models a heavier load (docs/capacity.md)");
        meter.CreateObservableCounter(WaitHistogram.BucketsInstrument, ObserveWaitBuckets, "{task}",
            "Offers whose queue wait was at most le seconds (cumulative; le=+Inf counts every offer)");
        meter.CreateObservableCounter(WaitHistogram.SumInstrument, () => PerMrd<double>(f => f.WaitSeconds), "s", "Sum of the queue waits of every offer");

        void Count(string name, Func<CapacitySnapshot, long> value, string description) =>
            meter.CreateObservableCounter("mrdsim.tasks." + name, () => PerMrd<long>(f => value(f.Capacity)), "{task}", description);
    }

    /// <summary>The last reading (possibly a second old; no MRDs before the first).</summary>
    public TaskFigures Last => _reading.Last;

    public Task<TaskFigures> ReadAsync(CancellationToken cancellationToken) => _reading.GetAsync(cancellationToken);

    public Task RefreshAsync(CancellationToken cancellationToken) => ReadAsync(cancellationToken);

    public void Dispose() => _reading.Dispose();

    private static bool HasHadTasks(MrdTaskFigures mrd) => mrd.Capacity is { Submitted: > 0 } or { Offered: > 0 } or { Queued: > 0 };

    private IEnumerable<Measurement<T>> PerMrd<T>(Func<MrdTaskFigures, T?> value)
        where T : struct
    {
        foreach (var mrd in _reading.Observe().Mrds)
        {
            if (value(mrd) is { } v)
            {
                yield return new Measurement<T>(v, MrdTag(mrd));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveWaitBuckets()
    {
        foreach (var mrd in _reading.Observe().Mrds)
        {
            long cumulative = 0;
            for (var i = 0; i < mrd.WaitCounts.Length; i++)
            {
                cumulative += mrd.WaitCounts[i];
                var bound = i < mrd.WaitBounds.Length ? HistogramView.BoundText(mrd.WaitBounds[i]) : "+Inf";
                yield return new Measurement<long>(cumulative, MrdTag(mrd), new(HistogramView.BoundTag, bound));
            }
        }
    }

    private static KeyValuePair<string, object?> MrdTag(MrdTaskFigures mrd) => new("mrd", mrd.Capacity.MrdId);
}

/// <summary>The task figures of the MRDs that have had a task, as last read from their statistics grains.</summary>
public sealed record TaskFigures(ImmutableArray<MrdTaskFigures> Mrds);
