using System.Collections.Immutable;
using Orleans;

namespace MrdSimulator.Domain.Media;

/// <summary>
/// The persisted state of one agent in one MRD: what the <c>Media</c> object shows plus what the state
/// machine needs to derive it. Immutable, so a stored copy can never be changed behind the storage's back.
/// </summary>
[GenerateSerializer, Immutable, Alias("MediaState")]
public sealed record MediaState
{
    /// <summary>An agent who has never signed in to the MRD.</summary>
    public static readonly MediaState Initial = new();

    [Id(0)]
    public AgentState State { get; init; } = AgentState.Logout;

    /// <summary>The READY / NOT_READY the agent last chose; the state shown when no dialog is live.</summary>
    [Id(1)]
    public AgentState Availability { get; init; } = AgentState.NotReady;

    [Id(2)]
    public bool Routable { get; init; }

    /// <summary>A routable=false request deferred until the pending (offered or accepted) tasks start.</summary>
    [Id(3)]
    public bool? PendingRoutable { get; init; }

    /// <summary>-1 when none applies (signed out, fresh sign-in, no codes configured).</summary>
    [Id(4)]
    public int ReasonCodeId { get; init; } = -1;

    /// <summary>0 until the first sign-in sets it (1..10).</summary>
    [Id(5)]
    public int MaxDialogLimit { get; init; }

    [Id(6)]
    public InterruptAction? InterruptAction { get; init; }

    [Id(7)]
    public DialogLogoutAction? DialogLogoutAction { get; init; }

    /// <summary>Null until the first agent-state event (Finesse shows an empty element then).</summary>
    [Id(8)]
    public DateTime? StateChangeTime { get; init; }

    /// <summary>An interrupt from another MRD is in force and the agent accepted interrupts here.</summary>
    [Id(9)]
    public bool Interrupted { get; init; }

    [Id(10)]
    public ImmutableArray<DialogSummary> Dialogs { get; init; } = [];

    public bool IsSignedIn => State.IsSignedIn();
}
