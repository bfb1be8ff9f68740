namespace MrdSimulator.GrainInterfaces.Tasks;

/// <summary>What happened to one task of a contact, told by whoever held the task (queue or agent) to the contact.</summary>
[GenerateSerializer]
public enum ContactEventKind : byte
{
    /// <summary>Offered to <see cref="ContactEvent.AgentId"/> in <see cref="ContactEvent.MrdId"/>.</summary>
    Offered,

    /// <summary>The agent closed it (or signed out with CLOSE).</summary>
    Handled,

    /// <summary>It outlived maxTaskDuration at the agent.</summary>
    Expired,

    /// <summary>It rang out (RONA) and goes back to the queue.</summary>
    RingNoAnswer,

    /// <summary>The agent signed out while it was still offered; it goes back to the queue.</summary>
    Requeued,

    /// <summary>Transferred to <see cref="ContactEvent.Target"/>: the work continues as a new task there.</summary>
    Transferred,

    /// <summary>It outlived taskLife waiting in the queue.</summary>
    QueueExpired,
}

/// <param name="Requeue">For <see cref="ContactEventKind.RingNoAnswer"/>, <see cref="ContactEventKind.Requeued"/> and
/// <see cref="ContactEventKind.Transferred"/>: the task to queue again (a transfer's carries the target MRD and selector;
/// the contact gives it a new id).</param>
[GenerateSerializer, Immutable, Alias("ContactEvent")]
public sealed record ContactEvent(ContactEventKind Kind, string TaskId, DateTime At, string? AgentId = null, QueuedTask? Requeue = null);
