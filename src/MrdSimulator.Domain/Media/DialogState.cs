using Orleans;

namespace MrdSimulator.Domain.Media;

/// <summary>Non-voice dialog (task) states (DN:state-dialog-parameter-values).</summary>
[GenerateSerializer]
public enum DialogState : byte
{
    Offered,
    Accepted,
    Active,
    Paused,
    WrappingUp,
    Interrupted,
    Closed,
    Unknown,
}

/// <summary>What the Media state machine needs to know about one live dialog of the agent in this MRD.</summary>
[GenerateSerializer, Immutable]
public readonly record struct DialogSummary(string Id, DialogState State);
