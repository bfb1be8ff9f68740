using System.Collections.Immutable;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.GrainInterfaces.Tasks;

/// <summary>A task waiting in (or handed out by) an MRD's queue.</summary>
/// <param name="EnqueuedAt">When this queue visit began (wait is measured from here).</param>
/// <param name="WorkHint">The work the task carries, for bot agents (simulation only; never on the wire).</param>
[GenerateSerializer, Immutable, Alias("QueuedTask")]
public sealed record QueuedTask(
    string TaskId,
    string ContactId,
    int MrdId,
    string ScriptSelector,
    ImmutableArray<TaskVariable> CallVariables,
    DateTime EnqueuedAt,
    TimeSpan? WorkHint = null);

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
