using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Tasks;

[GenerateSerializer, Immutable, Alias("ContactState")]
public sealed record ContactState
{
    [Id(0)]
    public ContactRecord? Record { get; init; }
}

/// <summary>
/// A CCP contact. Its record changes only here: the holders of its task (the MRD queue while queued, the agent's
/// Media grain while offered or worked) tell it what happened through their outbox, in the order it happened for
/// that holder, and a holder hands the task on only after telling. Requeues and transfers go back to a queue
/// through this silo's outbox too, so the contact never waits on a queue that may be waiting on an agent.
/// </summary>
public sealed class ContactGrain(
    [PersistentState("contact", StorageNames.Grains)] IPersistentState<ContactState> state,
    SimulatorDirectory directory,
    GrainOutbox outbox,
    FinishedContacts finished,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IContactGrain
{
    /// <summary>A contact nobody polled for this long answers 404 (ccp §4.2). Real time: it is about clients.</summary>
    public static readonly TimeSpan PollExpiry = TimeSpan.FromMinutes(5);

    private long _lastPolled = Environment.TickCount64;

    private ContactRecord? Record => state.State.Record;

    public async ValueTask<SubmitResult> SubmitAsync(int feedId, TaskSubmission submission, TimeSpan? workHint)
    {
        if (Record is not null)
        {
            throw new InvalidOperationException($"Contact {this.GetPrimaryKeyString()} exists");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var contactId = this.GetPrimaryKeyString();
        var selector = directory.FindScriptSelector(submission.ScriptSelector);
        var record = new ContactRecord(contactId, feedId, submission, selector?.MrdId, ContactStatus.Unread, ContactReasons.Unread, null, null, null, now, [], workHint);
        if (selector is null)
        {
            await SaveAsync(record with { Status = ContactStatus.Discarded, StatusReason = ContactReasons.InvalidScriptSelector });

            // Nothing will happen to it: its state answers a poll, an activation would only hold memory.
            DeactivateOnIdle();
            return new SubmitResult(Record);
        }

        var taskId = await NewTaskIdAsync(now);
        var task = new QueuedTask(taskId, contactId, selector.MrdId, selector.Name, TaskVariables.ToCallVariables(submission.Variables), now, workHint, TaskFootprint.Of(submission));

        // Saved before queuing: the queue may offer at once, and the agent's Offered event must find the task's leg.
        await SaveAsync(record with
        {
            Status = ContactStatus.Queued,
            StatusReason = ContactReasons.ExternallyRouted,
            TaskId = taskId,
            Legs = [new TaskLeg(taskId, selector.MrdId, TaskOutcome.Live, now)],
        });

        EnqueueResult queued;
        try
        {
            queued = await GrainFactory.Get<IMrdQueueGrain>(selector.MrdId).EnqueueAsync(task);
        }
        catch
        {
            // Refused before it was queued (the caller answers 503 and gets no Location): no task exists.
            await WithdrawAsync(taskId);
            throw;
        }

        if (queued.Refused is { } full)
        {
            await WithdrawAsync(taskId);
            return new SubmitResult(null, full);
        }

        // The estimate is computed once (ccp §4.1).
        await SaveAsync(Record! with { EstimatedWaitTime = queued.EstimatedWait });
        return new SubmitResult(Record);
    }

    public ValueTask<ContactRecord?> PollAsync()
    {
        var now = Environment.TickCount64;
        if (Record is not { } record || IsCancelled(record) || now - _lastPolled > (long)PollExpiry.TotalMilliseconds)
        {
            return ValueTask.FromResult<ContactRecord?>(null);
        }

        _lastPolled = now;
        return ValueTask.FromResult<ContactRecord?>(record);
    }

    public ValueTask<ContactRecord?> GetAsync() => ValueTask.FromResult(Record);

    public async ValueTask<CancelResult> CancelAsync()
    {
        if (Record is not { } record || IsCancelled(record))
        {
            return CancelResult.NotFound;
        }

        if (record.Status is not (ContactStatus.Queued or ContactStatus.Unread) || record.CurrentMrdId is not { } mrdId)
        {
            return CancelResult.NotCancellable;
        }

        // The queue decides atomically whether it still holds the task.
        if (!await GrainFactory.Get<IMrdQueueGrain>(mrdId).CancelAsync(record.ContactId))
        {
            return CancelResult.NotCancellable;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await SaveAsync(Record!.WithLeg(record.TaskId!, l => l with { Outcome = TaskOutcome.Cancelled, EndedAt = now }) with
        {
            Status = ContactStatus.Discarded,
            StatusReason = ContactReasons.CancelSucceeded,
        });

        // Polls answer 404 now (ccp §5); its state is kept for the social contact API, the activation is not needed.
        DeactivateOnIdle();
        return CancelResult.Cancelled;
    }

    public async ValueTask<RenotifyResult> RenotifyAsync(string scriptSelector)
    {
        if (Record is not { } record)
        {
            return new RenotifyResult(RenotifyOutcome.NotFound, null);
        }

        if (directory.FindScriptSelector(scriptSelector) is not { } selector)
        {
            return new RenotifyResult(RenotifyOutcome.UnknownScriptSelector, record);
        }

        // The queue decides atomically whether it still holds the task (an agent may have been offered it meanwhile).
        if (record.Status != ContactStatus.Queued || record.CurrentMrdId is not { } mrdId
            || await GrainFactory.Get<IMrdQueueGrain>(mrdId).WithdrawAsync(record.ContactId) is not { } task)
        {
            return new RenotifyResult(RenotifyOutcome.NotQueued, Record);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            // As a transfer: a new CCE task on the same contact, variables kept, at the back of the target's queue.
            var newId = await NewTaskIdAsync(now);
            var ended = record.WithLeg(task.TaskId, l => l with { Outcome = TaskOutcome.Renotified, EndedAt = now });
            await SaveAsync(ended with
            {
                StatusReason = ContactReasons.RenotifyRequested,
                TaskId = newId,
                MrdId = selector.MrdId,
                Legs = ended.Legs.Add(new TaskLeg(newId, selector.MrdId, TaskOutcome.Live, now)),
            });
            outbox.Enqueue(task with { TaskId = newId, MrdId = selector.MrdId, ScriptSelector = selector.Name, EnqueuedAt = now }, submitted: true);
        }
        catch
        {
            // Accepted work is never lost: what was withdrawn goes back where it was.
            outbox.Enqueue(task, submitted: false);
            throw;
        }

        return new RenotifyResult(RenotifyOutcome.Renotified, Record);
    }

    public async ValueTask ApplyEventsAsync(ImmutableArray<ContactEvent> events)
    {
        if (Record is not { } record)
        {
            return;
        }

        // Everything is decided (new task ids included) before the one write, and requeues are posted after it, so a
        // failed attempt leaves nothing behind and the outbox can simply retry the batch.
        var requeues = new List<(QueuedTask Task, bool Submitted)>();
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case ContactEventKind.Offered:
                    record = record.WithLeg(e.TaskId, l => l with { Offers = l.Offers + 1, FirstOfferedAt = l.FirstOfferedAt ?? e.At, LastOfferedAt = e.At }) with
                    {
                        Status = ContactStatus.Reserved,
                        StatusReason = ContactReasons.ExternallyRouted,
                        TaskId = e.TaskId,
                        AgentId = e.AgentId,
                    };
                    break;
                case ContactEventKind.Handled:
                    record = record.WithLeg(e.TaskId, l => l with { Outcome = TaskOutcome.Handled, EndedAt = e.At }) with
                    {
                        Status = ContactStatus.Handled,
                        StatusReason = ContactReasons.ExternallyHandled,
                    };
                    break;
                case ContactEventKind.Expired or ContactEventKind.QueueExpired:
                    record = record.WithLeg(e.TaskId, l => l with { Outcome = TaskOutcome.Expired, EndedAt = e.At }) with
                    {
                        Status = ContactStatus.Discarded,
                        StatusReason = e.Kind == ContactEventKind.Expired ? ContactReasons.MaxDialogLifetimeExceeded : ContactReasons.TaskLifeExceeded,
                    };
                    break;
                case ContactEventKind.RingNoAnswer or ContactEventKind.Requeued:
                    // The same CCE task goes back to the queue (renotify), so the contact shows it queued again.
                    var rona = e.Kind == ContactEventKind.RingNoAnswer ? 1 : 0;
                    record = record.WithLeg(e.TaskId, l => l with { Ronas = l.Ronas + rona }) with
                    {
                        Status = ContactStatus.Queued,
                        StatusReason = ContactReasons.RenotifyRequested,
                        AgentId = null,
                    };
                    requeues.Add((e.Requeue! with { Size = TaskFootprint.Of(record.Submission) }, false));
                    break;
                case ContactEventKind.Transferred:
                    // A transfer resubmits the work as a new CCE task (new id) on the same contact, variables kept.
                    var target = e.Requeue!;
                    var newId = await NewTaskIdAsync(e.At);
                    var ended = record.WithLeg(e.TaskId, l => l with { Outcome = TaskOutcome.Transferred, EndedAt = e.At });
                    record = ended with
                    {
                        Status = ContactStatus.Queued,
                        StatusReason = ContactReasons.RenotifyRequested,
                        TaskId = newId,
                        AgentId = null,
                        MrdId = target.MrdId,
                        Legs = ended.Legs.Add(new TaskLeg(newId, target.MrdId, TaskOutcome.Live, e.At)),
                    };
                    requeues.Add((target with { TaskId = newId, Size = TaskFootprint.Of(record.Submission) }, true));
                    break;
            }
        }

        await SaveAsync(record);
        foreach (var (task, submitted) in requeues)
        {
            outbox.Enqueue(task, submitted);
        }
    }

    public async ValueTask ForgetAsync()
    {
        // A contact live again (renotified) stays; one already forgotten has nothing to forget.
        if (Record is not { IsTerminal: true } record)
        {
            return;
        }

        // Task ids first: if clearing fails the outbox retries, and releasing again is harmless.
        foreach (var leg in record.Legs)
        {
            await GrainFactory.Get<ITaskGrain>(leg.TaskId).ReleaseAsync(record.ContactId);
        }

        await state.ClearStateAsync();
        state.State = new ContactState();
        DeactivateOnIdle();
    }

    /// <summary>Undoes a submission the queue did not take: no contact, no task id, no activation is left behind.</summary>
    private async ValueTask WithdrawAsync(string taskId)
    {
        await state.ClearStateAsync();
        state.State = new ContactState();
        await GrainFactory.Get<ITaskGrain>(taskId).ReleaseAsync(this.GetPrimaryKeyString());
        DeactivateOnIdle();
    }

    private async ValueTask SaveAsync(ContactRecord record)
    {
        var stored = state.State;
        if (stored.Record is not { } old || old.Status != record.Status || old.StatusReason != record.StatusReason)
        {
            record = record with { StatusChangedAt = clock.GetUtcNow().UtcDateTime };
        }

        state.State = new ContactState { Record = record };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = stored;
            throw;
        }

        if (record.IsTerminal && stored.Record is not { IsTerminal: true })
        {
            finished.Finished(record.ContactId, TaskFootprint.Of(record.Submission));
        }
    }

    /// <summary>A CCE task id for this contact, claimed through its task grain so no other contact in the cluster has it.</summary>
    private async ValueTask<string> NewTaskIdAsync(DateTime now)
    {
        var prefix = TaskIds.PrefixOf(now);
        while (true)
        {
            var id = TaskIds.Format(prefix, Random.Shared.Next(1, int.MaxValue));
            if (await GrainFactory.Get<ITaskGrain>(id).BindAsync(this.GetPrimaryKeyString()))
            {
                return id;
            }
        }
    }

    private static bool IsCancelled(ContactRecord record) =>
        record.Status == ContactStatus.Discarded && record.StatusReason == ContactReasons.CancelSucceeded;
}
