using System.Collections.Immutable;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.GrainInterfaces.Tasks;

/// <summary>
/// A CCP task contact (key: its 32-hex contact id): the record a poll shows and the ledger of its CCE tasks. The
/// contact owns the task's life: it creates task ids, queues the task, and is told by each holder (queue, agent)
/// what happened, so every status change of one contact happens in one place.
/// </summary>
[Alias("IContactGrain")]
public interface IContactGrain : IGrainWithStringKey
{
    /// <summary>
    /// CCP's create: stores the contact and queues its task on the selector's MRD, or discards it. When the MRD's queue
    /// is at a limit the submission is refused and leaves nothing behind.
    /// </summary>
    [Alias("Submit")]
    ValueTask<SubmitResult> SubmitAsync(int feedId, TaskSubmission submission, TimeSpan? workHint);

    /// <summary>The poll: the record, or null when unknown, cancelled, or finished and not polled for five minutes.</summary>
    [Alias("Poll")]
    ValueTask<ContactRecord?> PollAsync();

    /// <summary>The record without counting as a poll (null when unknown).</summary>
    [ReadOnly]
    [Alias("Get")]
    ValueTask<ContactRecord?> GetAsync();

    /// <summary>DELETE: only while the task waits in a queue (ccp §5).</summary>
    [Alias("Cancel")]
    ValueTask<CancelResult> CancelAsync();

    /// <summary>
    /// CCP's renotify (ccp §5.1): while the task waits in a queue, takes it out and resubmits it to
    /// <paramref name="scriptSelector"/>'s MRD as a new CCE task (new id, same contact, variables kept).
    /// </summary>
    [Alias("Renotify")]
    ValueTask<RenotifyResult> RenotifyAsync(string scriptSelector);

    /// <summary>Events from the task's holders, in the order each holder sent them.</summary>
    [Alias("ApplyEvents")]
    ValueTask ApplyEventsAsync(ImmutableArray<ContactEvent> events);

    /// <summary>
    /// Removes a finished contact, and frees its task ids, when its silo keeps more finished contacts than it may;
    /// afterwards it is unknown (404). A contact that is live again is kept.
    /// </summary>
    [Alias("Forget")]
    ValueTask ForgetAsync();
}

/// <summary>
/// A CCE task id (= Finesse Dialog id) and the contact it belongs to. Binding a new id here is how ids stay
/// unique across silos without a central counter.
/// </summary>
[Alias("ITaskGrain")]
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Claims the id for <paramref name="contactId"/>; false when another contact already holds it.</summary>
    [Alias("Bind")]
    ValueTask<bool> BindAsync(string contactId);

    [ReadOnly]
    [Alias("GetContactId")]
    ValueTask<string?> GetContactIdAsync();

    /// <summary>Frees the id when <paramref name="contactId"/> holds it (its task was refused, or the contact forgotten).</summary>
    [Alias("Release")]
    ValueTask ReleaseAsync(string contactId);
}

/// <summary>
/// The routing queue of one MRD (key: MRD id): FIFO tasks, and the agents that may take one ordered
/// longest-available first. An offer is a call to the agent's Media grain, which accepts or refuses in its own
/// turn. The queue never waits on anything that could wait on it: Media grains and contacts tell it things only
/// through their silo's outbox.
/// </summary>
[Alias("IMrdQueueGrain")]
public interface IMrdQueueGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Queues a newly submitted task and routes what can be routed; returns the estimated wait, or the limit that
    /// refused the task (the number of waiting tasks, or the memory their requests take).
    /// </summary>
    [Alias("Enqueue")]
    ValueTask<EnqueueResult> EnqueueAsync(QueuedTask task);

    /// <summary>
    /// The limit a new task of <paramref name="size"/> bytes would break now, or null: lets a caller refuse a task
    /// cheaply before it creates a contact. <see cref="EnqueueAsync"/> still decides.
    /// </summary>
    [ReadOnly]
    [Alias("CheckRoom")]
    ValueTask<QueueFull?> CheckRoomAsync(int size);

    /// <summary>
    /// Tasks coming back to the queue (RONA, sign-out) or transferred to it, sent by their contacts' silos. Never
    /// refused: this is work already accepted, so it counts toward the limits but is never dropped by them.
    /// </summary>
    [Alias("EnqueueMany")]
    ValueTask EnqueueManyAsync(ImmutableArray<QueueEntry> entries);

    /// <summary>Removes a waiting task; false when it is no longer in the queue (already offered, or unknown).</summary>
    [Alias("Cancel")]
    ValueTask<bool> CancelAsync(string contactId);

    /// <summary>Removes a waiting task to resubmit it elsewhere (renotify) and returns it; null when it is no longer in the queue.</summary>
    [Alias("Withdraw")]
    ValueTask<QueuedTask?> WithdrawAsync(string contactId);

    /// <summary>The latest views of agents whose routing-relevant state changed.</summary>
    [Alias("AgentsChanged")]
    ValueTask AgentsChangedAsync(ImmutableArray<AgentView> views);

    [ReadOnly]
    [Alias("GetSnapshot")]
    ValueTask<QueueSnapshot> GetSnapshotAsync();

    /// <summary>Chaos (task.expire): ends these waiting tasks as if their taskLife ran out; returns those it held.</summary>
    [Alias("ExpireQueued")]
    ValueTask<ImmutableArray<string>> ExpireQueuedAsync(ImmutableArray<string> contactIds);
}
