using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using Orleans;

namespace MrdSimulator.Domain.Tasks;

/// <summary>Non-voice <c>requestedAction</c> values (finesse.js MediaDialog.TaskActions).</summary>
[GenerateSerializer]
public enum DialogAction : byte
{
    Accept,
    Start,
    Pause,
    Resume,
    WrapUp,
    Close,
    Transfer,
}

/// <summary>Non-voice disposition codes (DN:disposition-code-parameter-values-for-nonvoice-tasks).</summary>
public static class DispositionCodes
{
    public const string NormalEnd = "CD_NORMAL_END_TASK";
    public const string Transfer = "CD_TASK_TRANSFER";
    public const string TransferredOnAgentLogout = "CD_TASK_TRANSFERRED_ON_AGENT_LOGOUT";
    public const string RingNoAnswer = "CD_RING_NO_ANSWER";
    public const string MaxDialogLifetimeExceeded = "CD_MAX_DIALOG_LIFETIME_EXCEEDED";
    public const string AgentLoggedOutDuringDialog = "CD_AGENT_LOGGED_OUT_DURING_DIALOG";
}

/// <summary>
/// Which action each dialog state allows and where it leads. Only OFFERED ⇒ ACCEPT is documented; the
/// rest is the reference's proposal (§7.4), recorded as INFERRED in docs/tasks.md.
/// </summary>
public static class DialogRules
{
    private static readonly ImmutableArray<DialogAction> None = [];
    private static readonly ImmutableArray<DialogAction> OfferedActions = [DialogAction.Accept];
    private static readonly ImmutableArray<DialogAction> AcceptedActions = [DialogAction.Start, DialogAction.Transfer, DialogAction.Close];
    private static readonly ImmutableArray<DialogAction> ActiveActions = [DialogAction.Pause, DialogAction.WrapUp, DialogAction.Transfer, DialogAction.Close];
    private static readonly ImmutableArray<DialogAction> PausedActions = [DialogAction.Resume, DialogAction.Transfer, DialogAction.Close];
    private static readonly ImmutableArray<DialogAction> CloseOnly = [DialogAction.Close];

    public static ImmutableArray<DialogAction> Allowed(DialogState state) => state switch
    {
        DialogState.Offered => OfferedActions,
        DialogState.Accepted => AcceptedActions,
        DialogState.Active => ActiveActions,
        DialogState.Paused => PausedActions,
        DialogState.WrappingUp => CloseOnly,
        DialogState.Unknown => CloseOnly,
        _ => None,
    };

    public static bool IsAllowed(DialogState state, DialogAction action) => Allowed(state).Contains(action);

    /// <summary>The state an allowed action leads to (CLOSE and TRANSFER end the dialog).</summary>
    public static DialogState Next(DialogAction action) => action switch
    {
        DialogAction.Accept => DialogState.Accepted,
        DialogAction.Start => DialogState.Active,
        DialogAction.Pause => DialogState.Paused,
        DialogAction.Resume => DialogState.Active,
        DialogAction.WrapUp => DialogState.WrappingUp,
        DialogAction.Close or DialogAction.Transfer => DialogState.Closed,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>States shown as INTERRUPTED while the MRD is interrupted (DN:state-dialog-parameter-values).</summary>
    public static bool ShowsInterrupted(DialogState state) => state is DialogState.Active or DialogState.Paused or DialogState.WrappingUp;

    public static string ToWire(this DialogAction action) => action switch
    {
        DialogAction.Accept => "ACCEPT",
        DialogAction.Start => "START",
        DialogAction.Pause => "PAUSE",
        DialogAction.Resume => "RESUME",
        DialogAction.WrapUp => "WRAP_UP",
        DialogAction.Close => "CLOSE",
        DialogAction.Transfer => "TRANSFER",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static bool TryParse(string text, out DialogAction action)
    {
        foreach (var candidate in Enum.GetValues<DialogAction>())
        {
            if (candidate.ToWire() == text)
            {
                action = candidate;
                return true;
            }
        }

        action = default;
        return false;
    }

    public static string ToWire(this DialogState state) => state switch
    {
        DialogState.Offered => "OFFERED",
        DialogState.Accepted => "ACCEPTED",
        DialogState.Active => "ACTIVE",
        DialogState.Paused => "PAUSED",
        DialogState.WrappingUp => "WRAPPING_UP",
        DialogState.Interrupted => "INTERRUPTED",
        DialogState.Closed => "CLOSED",
        DialogState.Unknown => "UNKNOWN",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}
