using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Grains.Tasks;

/// <summary>One CCE task of a contact: the first submission, or a resubmission after a transfer.</summary>
public sealed record TaskLeg(string TaskId, int MrdId, TaskOutcome Outcome, DateTime EnqueuedAt, int Offers = 0, int Ronas = 0, DateTime? EndedAt = null, DateTime? FirstOfferedAt = null);

/// <summary>A CCP task contact as the poll URL shows it, with the ledger of the CCE tasks it went through.</summary>
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
    TimeSpan? WorkHint = null)
{
    public bool IsTerminal => Status is ContactStatus.Handled or ContactStatus.Discarded;

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

/// <summary>
/// CCP's contact records. Each record is changed only by whoever holds the task at that moment (the
/// queue grain while queued, the agent's Media grain while offered or worked), and a holder writes before
/// handing the task on, so writes to one contact are causally ordered; the per-entry lock only makes each
/// read-modify-write atomic for readers.
/// </summary>
public sealed class ContactStore(TimeProvider pollClock)
{
    /// <summary>A contact nobody polled for this long answers 404 (ccp §4.2).</summary>
    public static readonly TimeSpan PollExpiry = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> _contacts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _taskToContact = new(StringComparer.Ordinal);

    public int Count => _contacts.Count;

    public IEnumerable<ContactRecord> All => _contacts.Values.Select(e => e.Record);

    public static string NewContactId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public ContactRecord Add(ContactRecord record)
    {
        var entry = new Entry(record, pollClock.GetTimestamp());
        if (!_contacts.TryAdd(record.ContactId, entry))
        {
            throw new InvalidOperationException($"Contact {record.ContactId} exists");
        }

        if (record.TaskId is { } taskId)
        {
            _taskToContact[taskId] = record.ContactId;
        }

        return record;
    }

    public void Remove(string contactId) => _contacts.TryRemove(contactId, out _);

    public ContactRecord? Find(string contactId) => _contacts.TryGetValue(contactId, out var entry) ? entry.Record : null;

    public ContactRecord? FindByTask(string taskId) =>
        _taskToContact.TryGetValue(taskId, out var contactId) ? Find(contactId) : null;

    /// <summary>The poll: the record, or null when unknown or not polled for <see cref="PollExpiry"/>.</summary>
    public ContactRecord? Poll(string contactId)
    {
        if (!_contacts.TryGetValue(contactId, out var entry))
        {
            return null;
        }

        var now = pollClock.GetTimestamp();
        lock (entry)
        {
            if (pollClock.GetElapsedTime(entry.LastPolled, now) > PollExpiry)
            {
                return null;
            }

            entry.LastPolled = now;
            return entry.Record;
        }
    }

    public ContactRecord Update(string contactId, Func<ContactRecord, ContactRecord> change)
    {
        var entry = _contacts[contactId];
        lock (entry)
        {
            entry.Record = change(entry.Record);
            if (entry.Record.TaskId is { } taskId)
            {
                _taskToContact[taskId] = contactId;
            }

            return entry.Record;
        }
    }

    /// <summary>Forgets finished contacts nobody polled for <see cref="PollExpiry"/>, keeping memory flat in long runs.</summary>
    public int SweepExpired()
    {
        var now = pollClock.GetTimestamp();
        var removed = 0;
        foreach (var (id, entry) in _contacts)
        {
            lock (entry)
            {
                if (!entry.Record.IsTerminal || pollClock.GetElapsedTime(entry.LastPolled, now) <= PollExpiry)
                {
                    continue;
                }
            }

            if (_contacts.TryRemove(id, out _))
            {
                foreach (var leg in entry.Record.Legs)
                {
                    _taskToContact.TryRemove(leg.TaskId, out _);
                }

                removed++;
            }
        }

        return removed;
    }

    private sealed class Entry(ContactRecord record, long lastPolled)
    {
        public ContactRecord Record { get; set; } = record;

        public long LastPolled { get; set; } = lastPolled;
    }
}

/// <summary>
/// CCE task ids in the non-voice dialog id format <c>prefix_callId_sequence</c>: a per-silo prefix (days
/// since 1600, six digits today), a running call id, and sequence 1.
/// </summary>
public sealed class TaskIdGenerator(DateTimeOffset now)
{
    private long _callId;

    public int Prefix { get; } = (int)((now.UtcDateTime - new DateTime(1600, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalDays);

    public (string Id, int CallId) Next()
    {
        var callId = (int)(Interlocked.Increment(ref _callId) % int.MaxValue);
        return (FormattableString.Invariant($"{Prefix}_{callId}_1"), callId);
    }

    public static (int Prefix, int CallId, int Sequence) Parse(string taskId)
    {
        var parts = taskId.Split('_');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }
}
