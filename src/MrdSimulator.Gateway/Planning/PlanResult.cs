using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Gateway.Planning;

/// <summary>The formula's figures for one interval's inputs (Erlang C, and Erlang A when customers have patience).</summary>
public sealed record FormulaFigures(QueueFigures ErlangC, QueueFigures? ErlangA)
{
    /// <summary>The formula whose model matches the run's: Erlang A when customers give up, Erlang C otherwise.</summary>
    public QueueFigures Matching => ErlangA ?? ErlangC;

    public static FormulaFigures For(PlanOptions options, double tasksPerHour, int agents)
    {
        var servers = agents * options.DialogsPerAgent;
        var c = Domain.Planning.ErlangC.Evaluate(new QueueModel(new Workload(tasksPerHour, options.HandleSeconds), servers, options.ThresholdSeconds));
        var a = options.PatienceSeconds is { } patience
            ? Domain.Planning.ErlangA.Evaluate(new QueueModel(new Workload(tasksPerHour, options.HandleSeconds, patience), servers, options.ThresholdSeconds))
            : null;
        return new FormulaFigures(c, a);
    }
}

/// <summary>A staffing answer for one interval of a profile (a stationary search at that interval's rate).</summary>
public sealed record IntervalStaffing(double StartSeconds, double TasksPerHour, StaffingAnswer? Answer);

/// <summary>Everything a planner run answers: the simulated figures, the formula beside them, and any staffing search.</summary>
/// <param name="Figures">The run reported on: the one with <see cref="PlanOptions.Agents"/>, or the staffing answer's.</param>
/// <param name="Formula">For the whole run: the formula at the run's rate, or over a profile the arrival-weighted mean of its intervals'.</param>
/// <param name="IntervalFormulas">The formula per interval, in the order of <see cref="PlanFigures.Intervals"/>.</param>
/// <param name="Runs">Simulations the answer took (a staffing search runs one per candidate).</param>
public sealed record PlanResult(
    PlanOptions Options,
    PlanFigures Figures,
    FormulaFigures? Formula,
    IReadOnlyList<FormulaFigures?> IntervalFormulas,
    StaffingAnswer? Staffing,
    IReadOnlyList<IntervalStaffing> IntervalStaffing,
    int Runs,
    TimeSpan Elapsed,
    long TimerEvents)
{
    /// <summary>Where the simulated model has what the formula lacks, so the two may rightly differ.</summary>
    public IReadOnlyList<string> ModelDifferences
    {
        get
        {
            var o = Options;
            var notes = new List<string>();
            if (o.DialogsPerAgent > 1)
            {
                notes.Add($"agents work {o.DialogsPerAgent} dialogs at once; the formula counts each dialog slot as an agent of its own");
            }

            if (o.Handling.Shape != GrainInterfaces.Simulation.WorkShape.Exponential)
            {
                notes.Add($"handle times are {o.Handling.Shape.ToString().ToLowerInvariant()}, the formula assumes exponential");
            }

            if (o.RonaProbability > 0)
            {
                notes.Add("offers ring out (RONA) and go back to the queue; the formula has no RONA");
            }

            if (o.AcceptDelaySeconds > 0 || o.WrapUpSeconds > 0)
            {
                notes.Add("agents hold a slot while accepting or wrapping up; the formula's handle time is the work alone");
            }

            if (o.Profile is not null)
            {
                notes.Add("arrival rates change per interval and the queue carries over; the formula treats each interval as a steady state of its own");
            }

            return notes;
        }
    }
}
