using Orleans;

namespace MrdSimulator.Domain.Tasks;

/// <summary>CCP contact states a task poll reports (ccp §4.3), lower case on the wire.</summary>
[GenerateSerializer]
public enum ContactStatus : byte
{
    Unread,
    Queued,
    Reserved,
    Handled,
    Discarded,
}

/// <summary><c>statusReason</c> values. Those CCP documents are quoted; the rest are the simulator's (docs/tasks.md).</summary>
public static class ContactReasons
{
    public const string Unread = "NEW_CONTACT";
    public const string ExternallyRouted = "EXTERNALLY_ROUTED";
    public const string RenotifyRequested = "TASK_RENOTIFY_REQUESTED";
    public const string ExternallyHandled = "EXTERNALLY_HANDLED";
    public const string InvalidScriptSelector = "NOTIFICATION_INVALID_SCRIPT_SELECTOR";
    public const string CancelSucceeded = "NOTIFICATION_CCE_TASK_CANCEL_SUCCEEDED";
    public const string TaskLifeExceeded = "NOTIFICATION_MAX_TASK_LIFETIME_EXCEEDED";
    public const string MaxDialogLifetimeExceeded = "NOTIFICATION_MAX_DIALOG_LIFETIME_EXCEEDED";

    public static string ToWire(this ContactStatus status) => status switch
    {
        ContactStatus.Unread => "unread",
        ContactStatus.Queued => "queued",
        ContactStatus.Reserved => "reserved",
        ContactStatus.Handled => "handled",
        ContactStatus.Discarded => "discarded",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>How one task (one CCE task id) of a contact ended. A contact may carry several tasks: each transfer starts a new one.</summary>
[GenerateSerializer]
public enum TaskOutcome : byte
{
    Live,
    Handled,
    Transferred,
    Cancelled,
    Expired,
    Discarded,

    /// <summary>Taken out of its queue by CCP's renotify and resubmitted as a new task.</summary>
    Renotified,
}
