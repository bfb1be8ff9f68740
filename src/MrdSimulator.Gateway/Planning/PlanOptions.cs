using MrdSimulator.GrainInterfaces.Simulation;

namespace MrdSimulator.Gateway.Planning;

/// <summary>What a planner run models and asks (the <c>plan</c> verb's switches, docs/capacity.md).</summary>
public sealed record PlanOptions
{
    /// <summary>Bot agents in the MRD; null when a staffing search chooses it.</summary>
    public int? Agents { get; init; }

    /// <summary>Poisson arrivals per simulated hour (ignored with <see cref="Profile"/>).</summary>
    public double TasksPerHour { get; init; }

    /// <summary>Arrival rates per interval (a day in 15-minute slots), from <see cref="ProfileFile"/>.</summary>
    public ArrivalProfile? Profile { get; init; }

    public string? ProfileFile { get; init; }

    public double HandleSeconds { get; init; } = 180;

    public WorkDistribution Handling { get; init; } = WorkDistribution.Exponential;

    /// <summary>Dialogs an agent works at once (the MRD's maxDialogLimit for the bots).</summary>
    public int DialogsPerAgent { get; init; } = 1;

    /// <summary>Mean of the customers' exponential patience; null: customers never give up.</summary>
    public double? PatienceSeconds { get; init; }

    /// <summary>Tasks to submit (a stationary run); null with <see cref="Duration"/> or a profile.</summary>
    public int? Tasks { get; init; }

    /// <summary>Simulated time to submit tasks for (instead of <see cref="Tasks"/>).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Share of the first tasks (in arrival order) left out of the figures: the run starts empty.</summary>
    public double WarmUp { get; init; } = 0.1;

    public int Seed { get; init; } = 1;

    public double ThresholdSeconds { get; init; } = 30;

    /// <summary>Chance a bot lets an offer ring out (RONA): the task goes back to the queue.</summary>
    public double RonaProbability { get; init; }

    /// <summary>Seconds a bot takes to accept an offer (the slot is held meanwhile).</summary>
    public double AcceptDelaySeconds { get; init; }

    /// <summary>Seconds of wrap-up after each task (the slot is held meanwhile).</summary>
    public double WrapUpSeconds { get; init; }

    public double? TargetServiceLevel { get; init; }

    public double? MaxAbandoned { get; init; }

    public bool Json { get; init; }

    public string? HtmlFile { get; init; }

    public bool SearchesStaffing => TargetServiceLevel is not null || MaxAbandoned is not null;

    /// <summary>Tasks a stationary run submits when neither a count nor a duration is given.</summary>
    public const int DefaultTasks = 40_000;
}
