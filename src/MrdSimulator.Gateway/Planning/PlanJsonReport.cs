using System.Text;
using System.Text.Json;
using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Gateway.Planning;

/// <summary>
/// The planner's answer as one JSON object (<c>--json</c>), for scripts: shares are fractions (0..1), times seconds.
/// Figures the run cannot define (a wait of a run without tasks, an unstable formula's wait) are null, never NaN.
/// </summary>
public static class PlanJsonReport
{
    public static string Render(PlanResult result)
    {
        var o = result.Options;
        var f = result.Figures;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("inputs");
            json.WriteNumber("agents", f.Agents);
            Number(json, "tasksPerHour", o.Profile is null ? o.TasksPerHour : null);
            json.WriteString("profile", o.ProfileFile);
            json.WriteNumber("handleTimeSeconds", o.HandleSeconds);
            json.WriteString("handleDistribution", PlanTextReport.Shape(o));
            json.WriteNumber("dialogsPerAgent", o.DialogsPerAgent);
            Number(json, "patienceSeconds", o.PatienceSeconds);
            json.WriteNumber("ronaProbability", o.RonaProbability);
            json.WriteNumber("acceptDelaySeconds", o.AcceptDelaySeconds);
            json.WriteNumber("wrapUpSeconds", o.WrapUpSeconds);
            json.WriteNumber("warmUp", o.WarmUp);
            json.WriteNumber("seed", o.Seed);
            json.WriteEndObject();

            json.WriteNumber("offered", f.Offered);
            json.WriteNumber("handled", f.Handled);
            json.WriteNumber("abandoned", f.Abandoned);
            json.WriteNumber("expired", f.Expired);
            json.WriteNumber("warmUpTasks", f.WarmUpTasks);
            Number(json, "pWait", f.PWait.Value);
            Number(json, "meanWaitSeconds", f.MeanWaitSeconds.Value);
            Number(json, "meanWaitOfAnsweredSeconds", f.MeanWaitOfAnsweredSeconds);
            Number(json, "p90WaitSeconds", f.P90WaitSeconds);
            Number(json, "serviceLevel", f.ServiceLevel.Value);
            json.WriteNumber("serviceLevelThresholdSeconds", o.ThresholdSeconds);
            Number(json, "abandonedShare", f.AbandonedShare.Value);
            Number(json, "occupancy", f.Occupancy);

            json.WriteStartObject("confidenceIntervals");
            json.WriteNumber("level", 0.95);
            json.WriteString("method", "batch means, 20 batches of tasks in arrival order");
            Interval(json, "pWait", f.PWait);
            Interval(json, "meanWaitSeconds", f.MeanWaitSeconds);
            Interval(json, "serviceLevel", f.ServiceLevel);
            Interval(json, "abandonedShare", f.AbandonedShare);
            json.WriteEndObject();

            Formula(json, "erlangC", result.Formula?.ErlangC);
            Formula(json, "erlangA", result.Formula?.ErlangA);

            json.WriteStartArray("modelDifferences");
            foreach (var note in result.ModelDifferences)
            {
                json.WriteStringValue(note);
            }

            json.WriteEndArray();

            if (result.Staffing is { } staffing)
            {
                json.WritePropertyName("staffing");
                Staffing(json, staffing, o);
            }

            json.WriteStartArray("intervals");
            for (var i = 0; i < f.Intervals.Count; i++)
            {
                var interval = f.Intervals[i];
                json.WriteStartObject();
                json.WriteNumber("startSeconds", interval.StartSeconds + (o.Profile?.OriginSeconds ?? 0));
                json.WriteNumber("lengthSeconds", interval.LengthSeconds);
                json.WriteNumber("tasksPerHour", interval.TasksPerHour);
                json.WriteNumber("offered", interval.Offered);
                json.WriteNumber("answered", interval.Answered);
                json.WriteNumber("abandoned", interval.Abandoned);
                Number(json, "serviceLevel", interval.ServiceLevel);
                Number(json, "meanWaitSeconds", interval.MeanWaitSeconds);
                Number(json, "formulaServiceLevel", result.IntervalFormulas.Count > i ? result.IntervalFormulas[i]?.Matching.ServiceLevel : null);
                if (result.IntervalStaffing.Count > i && result.IntervalStaffing[i].Answer is { } answer)
                {
                    json.WriteNumber("agentsBySimulation", answer.Agents);
                    json.WriteNumber("agentsByFormula", answer.FormulaAgents);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("simulatedSeconds", f.SimulatedSeconds);
            json.WriteNumber("elapsedSeconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            json.WriteNumber("events", result.TimerEvents);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Staffing(Utf8JsonWriter json, StaffingAnswer staffing, PlanOptions o)
    {
        json.WriteStartObject();
        Number(json, "targetServiceLevel", o.TargetServiceLevel);
        json.WriteNumber("thresholdSeconds", o.ThresholdSeconds);
        Number(json, "maxAbandoned", o.MaxAbandoned);
        json.WriteNumber("agents", staffing.Agents);
        json.WriteNumber(o.PatienceSeconds is null ? "erlangCAgents" : "erlangAAgents", staffing.FormulaAgents);
        json.WriteStartArray("tried");
        foreach (var tried in staffing.Tried)
        {
            json.WriteStartObject();
            json.WriteNumber("agents", tried.Agents);
            Number(json, "serviceLevel", tried.ServiceLevel.Value);
            Interval(json, "serviceLevelInterval", tried.ServiceLevel);
            Number(json, "abandonedShare", tried.AbandonedShare.Value);
            json.WriteBoolean("meets", StaffingSearch.Meets(tried, o));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Formula(Utf8JsonWriter json, string name, QueueFigures? figures)
    {
        if (figures is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteBoolean("stable", figures.Stable);
        Number(json, "pWait", figures.PWait);
        Number(json, "meanWaitSeconds", figures.MeanWaitSeconds);
        Number(json, "serviceLevel", figures.ServiceLevel);
        Number(json, "abandonedShare", figures.Abandoned);
        Number(json, "occupancy", figures.Occupancy);
        json.WriteEndObject();
    }

    private static void Interval(Utf8JsonWriter json, string name, Estimate estimate)
    {
        json.WriteStartObject(name);
        Number(json, "low", estimate.Lower);
        Number(json, "high", estimate.Upper);
        Number(json, "halfWidth", estimate.HalfWidth);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
