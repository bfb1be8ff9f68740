using System.Collections.Immutable;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.GrainInterfaces.Tasks;

/// <summary>A task waiting in (or handed out by) an MRD's queue.</summary>
/// <param name="EnqueuedAt">When this queue visit began (wait is measured from here).</param>
/// <param name="WorkHint">The work the task carries, for bot agents (simulation only; never on the wire).</param>
/// <param name="Size">The estimated memory of its contact's request (<c>TaskFootprint</c>), which counts against the queue's memory limit.</param>
[GenerateSerializer, Immutable, Alias("QueuedTask")]
public sealed record QueuedTask(
    string TaskId,
    string ContactId,
    int MrdId,
    string ScriptSelector,
    ImmutableArray<TaskVariable> CallVariables,
    DateTime EnqueuedAt,
    TimeSpan? WorkHint = null,
    int Size = 0);

/// <summary>A queue's answer to a new task: its estimated wait in seconds (-1 when unknown), or the limit that refused it.</summary>
[GenerateSerializer, Immutable, Alias("EnqueueResult")]
public sealed record EnqueueResult(int EstimatedWait, QueueFull? Refused = null);

/// <summary>Which of a queue's limits refused a new task.</summary>
[GenerateSerializer]
public enum QueueLimit : byte
{
    /// <summary>The number of waiting tasks (the MRD's maxTasksInQueue).</summary>
    Tasks,

    /// <summary>The estimated memory of the waiting tasks' requests, in bytes.</summary>
    Memory,
}

/// <summary>A queue that refused a new task: it holds <paramref name="Held"/> against its <paramref name="Max"/> (tasks or bytes).</summary>
[GenerateSerializer, Immutable, Alias("QueueFull")]
public sealed record QueueFull(int MrdId, QueueLimit Limit, long Held, long Max);

/// <summary>A task for a queue; <paramref name="Submitted"/> marks a new CCE task (a transfer) rather than one coming back.</summary>
[GenerateSerializer, Immutable]
public readonly record struct QueueEntry(QueuedTask Task, bool Submitted);

/// <summary>
/// What the queue knows of one agent in its MRD, sent by the agent's Media grain whenever it changes.
/// It is only a hint: the Media grain decides an offer in its own turn.
/// </summary>
/// <param name="AvailableSince">Timestamp of the agent's last offer, task end or READY; the oldest goes first.</param>
/// <param name="Version">Increases with every view a Media grain produces, so late views are ignored.</param>
[GenerateSerializer, Immutable]
public readonly record struct AgentView(string UserId, bool Eligible, int FreeSlots, int Slots, long AvailableSince, long Version);

[GenerateSerializer, Immutable]
public readonly record struct OfferResult(bool Accepted, AgentView View);

[GenerateSerializer, Immutable, Alias("QueueSnapshot")]
public sealed record QueueSnapshot(int MrdId, int Queued, int EligibleAgents, int StaffedSlots, ImmutableArray<string> QueuedContacts);

/// <summary>CCE task ids in the non-voice dialog id format <c>prefix_callId_sequence</c> (e.g. <c>151635_312_1</c>).</summary>
public static class TaskIds
{
    private static readonly DateTime Epoch = new(1600, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The call key prefix of a day: days since 1600, six digits today.</summary>
    public static int PrefixOf(DateTime day) => (int)(day - Epoch).TotalDays;

    public static string Format(int prefix, int callId, int sequence = 1) => FormattableString.Invariant($"{prefix}_{callId}_{sequence}");

    public static (int Prefix, int CallId, int Sequence) Parse(string taskId)
    {
        var parts = taskId.Split('_');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}
