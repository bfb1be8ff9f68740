namespace MrdSimulator.Load.Finesse.Tasks;

/// <summary>Wire names of non-voice Dialogs (reference §7.3–§7.6): requestedAction values, states, disposition codes.</summary>
public static class DialogWire
{
    public const string Accept = "ACCEPT";
    public const string Start = "START";
    public const string Pause = "PAUSE";
    public const string Resume = "RESUME";
    public const string WrapUp = "WRAP_UP";
    public const string Close = "CLOSE";

    public const string Offered = "OFFERED";
    public const string Accepted = "ACCEPTED";
    public const string Active = "ACTIVE";
    public const string Paused = "PAUSED";
    public const string WrappingUp = "WRAPPING_UP";
    public const string Closed = "CLOSED";
    public const string Unknown = "UNKNOWN";

    public const string NormalEnd = "CD_NORMAL_END_TASK";
    public const string Transfer = "CD_TASK_TRANSFER";
    public const string TransferredOnAgentLogout = "CD_TASK_TRANSFERRED_ON_AGENT_LOGOUT";
    public const string RingNoAnswer = "CD_RING_NO_ANSWER";
    public const string AgentLoggedOutDuringDialog = "CD_AGENT_LOGGED_OUT_DURING_DIALOG";
    public const string MaxDialogLifetimeExceeded = "CD_MAX_DIALOG_LIFETIME_EXCEEDED";

    /// <summary>Actions are refused asynchronously while the MRD is interrupted (reference §5.4); the driver retries them.</summary>
    public const string InterruptRefusal = "E_ARM_STAT_NOT_VALID_AFTER_INTERRUPT_ADVISORY_ACCEPT";

    public const string EventPost = "POST";
    public const string EventPut = "PUT";
    public const string EventDelete = "DELETE";

    /// <summary>The dialog state an accepted action leads to (CLOSE: the dialog is removed, shown CLOSED).</summary>
    public static string? StateAfter(string action) => action switch
    {
        Accept => Accepted,
        Start or Resume => Active,
        Pause => Paused,
        WrapUp => WrappingUp,
        Close => Closed,
        _ => null,
    };

    /// <summary>The reference's §7.4 table: may <paramref name="action"/> be taken in <paramref name="state"/>?</summary>
    public static bool AllowedFrom(string state, string action) => (state, action) switch
    {
        (Offered, Accept) => true,
        (Accepted, Start or Close) => true,
        (Active, Pause or WrapUp or Close) => true,
        (Paused, Resume or Close) => true,
        (WrappingUp or Unknown, Close) => true,
        _ => false,
    };

    public static string Body(string action) => $"<Dialog><requestedAction>{action}</requestedAction></Dialog>";
}
