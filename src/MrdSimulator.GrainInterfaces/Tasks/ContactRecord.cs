using System.Collections.Immutable;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.GrainInterfaces.Tasks;

/// <summary>One CCE task of a contact: the first submission, or a resubmission after a transfer.</summary>
/// <param name="LastOfferedAt">The latest offer: for a handled task, the offer its agent took (earlier ones rang out).</param>
[GenerateSerializer, Immutable, Alias("TaskLeg")]
public sealed record TaskLeg(string TaskId, int MrdId, TaskOutcome Outcome, DateTime EnqueuedAt, int Offers = 0, int Ronas = 0, DateTime? EndedAt = null, DateTime? FirstOfferedAt = null, DateTime? LastOfferedAt = null);

/// <summary>A CCP task contact as the poll URL shows it, with the ledger of the CCE tasks it went through.</summary>
/// <param name="StatusChangedAt">When <paramref name="Status"/> or <paramref name="StatusReason"/> last changed (the social contact's statusTimestamp).</param>
[GenerateSerializer, Immutable, Alias("ContactRecord")]
public sealed record ContactRecord(
    string ContactId,
    int FeedId,
    TaskSubmission Submission,
    int? MrdId,
    ContactStatus Status,
    string StatusReason,
    int? EstimatedWaitTime,
    string? TaskId,
    string? AgentId,
    DateTime CreatedAt,
    ImmutableList<TaskLeg> Legs,
    TimeSpan? WorkHint = null,
    DateTime? StatusChangedAt = null)
{
    public bool IsTerminal => Status is ContactStatus.Handled or ContactStatus.Discarded;

    /// <summary>The MRD of the newest task (a transfer moves the contact to another MRD).</summary>
    public int? CurrentMrdId => Legs.Count > 0 ? Legs[^1].MrdId : MrdId;

    public ContactRecord WithLeg(string taskId, Func<TaskLeg, TaskLeg> change)
    {
        for (var i = Legs.Count - 1; i >= 0; i--)
        {
            if (Legs[i].TaskId == taskId)
            {
                return this with { Legs = Legs.SetItem(i, change(Legs[i])) };
            }
        }

        return this;
    }
}

/// <summary>A submission's outcome: the new contact, or the queue limit that refused it (then nothing was kept).</summary>
[GenerateSerializer, Immutable, Alias("SubmitResult")]
public sealed record SubmitResult(ContactRecord? Contact, QueueFull? Refused = null);

/// <summary>What CCP's renotify did.</summary>
[GenerateSerializer]
public enum RenotifyOutcome
{
    /// <summary>Taken out of its queue and resubmitted to the script selector's MRD as a new task.</summary>
    Renotified,

    NotFound,

    /// <summary>Not waiting in a queue: an agent has it, or it has ended.</summary>
    NotQueued,

    /// <summary>No such script selector is configured.</summary>
    UnknownScriptSelector,
}

/// <summary>A renotify's outcome and the contact as it is afterwards (null when unknown).</summary>
[GenerateSerializer, Immutable, Alias("RenotifyResult")]
public sealed record RenotifyResult(RenotifyOutcome Outcome, ContactRecord? Contact);

[GenerateSerializer]
public enum CancelResult
{
    Cancelled,
    NotFound,
    NotCancellable,
}

/// <summary>CCP contact ids: 32 upper-case hex digits (ccp §4).</summary>
public static class ContactIds
{
    public static string New() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
