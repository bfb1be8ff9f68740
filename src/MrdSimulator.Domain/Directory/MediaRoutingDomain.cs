namespace MrdSimulator.Domain.Directory;

public enum MrdType
{
    Voice,
    Multichannel,
}

/// <summary>
/// An MRD as CCE's config API describes it. Timer defaults are CCE's (taskLife 1200 s,
/// taskStartTimeout 30 s, maxTaskDuration 28800 s; serviceLevelThreshold example 30 s).
/// </summary>
/// <param name="MaxTasksInQueue">CCE's maxTasksInQueue: tasks the MRD's queue holds before new submissions are
/// refused; null takes the simulator's default (<c>--max-tasks-in-queue</c>).</param>
public sealed record MediaRoutingDomain(
    int Id,
    string Name,
    string Description,
    MrdType Type,
    bool Interruptible,
    int TaskStartTimeoutSeconds = 30,
    int TaskLifeSeconds = 1200,
    int MaxTaskDurationSeconds = 28800,
    int ServiceLevelThresholdSeconds = 30,
    int? MaxTasksInQueue = null)
{
    public bool IsVoice => Type == MrdType.Voice;
}
