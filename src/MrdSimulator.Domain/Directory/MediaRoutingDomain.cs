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
public sealed record MediaRoutingDomain(
    int Id,
    string Name,
    string Description,
    MrdType Type,
    bool Interruptible,
    int TaskStartTimeoutSeconds = 30,
    int TaskLifeSeconds = 1200,
    int MaxTaskDurationSeconds = 28800,
    int ServiceLevelThresholdSeconds = 30)
{
    public bool IsVoice => Type == MrdType.Voice;
}
