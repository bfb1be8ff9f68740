using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Chaos;

/// <summary>Fills in what the load saw during each fault window (<see cref="FaultWindowLoad"/>).</summary>
public static class FaultWindowLoads
{
    public static IReadOnlyList<FaultWindow> Attach(IReadOnlyList<FaultWindow> windows, RunResult result, LossAttribution? attribution)
    {
        if (windows.Count == 0)
        {
            return windows;
        }

        var unexplained = attribution?.UnexplainedLostSentAt().Select(t => (t - result.StartedAt).TotalSeconds).ToList() ?? [];
        var requests = result.Steps.Where(s => !s.Step.EndsWith(StepSuffix, StringComparison.Ordinal) && !s.Step.StartsWith('(')).ToList();
        var notified = result.Steps.Where(s => s.Step.EndsWith(StepSuffix, StringComparison.Ordinal)).ToList();
        var retries = requests.Where(s => s.Step.EndsWith(StepRecorder.RetrySuffix, StringComparison.Ordinal)).ToList();
        return [.. windows.Select(w =>
        {
            var end = w.EndSeconds ?? double.MaxValue;
            var (ok, fail) = Count(requests, w.StartSeconds, end);
            var (notifiedOk, notifiedFail) = Count(notified, w.StartSeconds, end);
            var (retriedOk, retriedFail) = Count(retries, w.StartSeconds, end);
            var (lost, contradicting) = attribution?.ExplainedBy(w.Id) ?? (0, 0);
            return w with
            {
                Load = new FaultWindowLoad(
                    ok + fail, fail, notifiedOk, notifiedFail, lost, contradicting,
                    unexplained.Count(t => t >= w.StartSeconds && t <= end))
                {
                    Retries = retriedOk + retriedFail,
                },
            };
        })];
    }

    private const string StepSuffix = ".notified";

    /// <summary>OK and failed counts of the intervals whose middle falls in [start, end].</summary>
    private static (long Ok, long Fail) Count(IEnumerable<StepSummary> steps, double start, double end)
    {
        long ok = 0, fail = 0;
        foreach (var step in steps)
        {
            var previous = 0.0;
            foreach (var point in step.Intervals)
            {
                var middle = (previous + point.ElapsedSeconds) / 2;
                previous = point.ElapsedSeconds;
                if (middle >= start && middle <= end)
                {
                    ok += point.Ok;
                    fail += point.Fail;
                }
            }
        }

        return (ok, fail);
    }
}

/// <summary>Connects a run's correlator to the simulator's drop records (<see cref="LossAttribution"/>).</summary>
public static class AttributionSetup
{
    public static async Task<LossAttribution> StartAsync(ChaosClient chaos, Finesse.FinesseTarget target, TextWriter error, CancellationToken cancellationToken)
    {
        var attribution = LossAttribution.For(chaos, target.Correlator.RequestIdPrefix, target.Correlator.Timeout);
        long position = 0;
        try
        {
            position = await chaos.DropsPositionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
        {
            // Reported with the run's warnings when the records stay unavailable.
            await error.WriteLineAsync($"warning: simulator drop records unavailable ({ex.Message})");
        }

        target.Correlator.Attribution = attribution;
        attribution.Start(TimeSpan.FromSeconds(1), position);
        return attribution;
    }
}
