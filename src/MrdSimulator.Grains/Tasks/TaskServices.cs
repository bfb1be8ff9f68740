using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Runtime;

namespace MrdSimulator.Grains.Tasks;

public enum CancelResult
{
    Cancelled,
    NotFound,
    NotCancellable,
}

/// <summary>
/// The task side of the silo: CCP's contact store, the per-MRD queue grains, capacity counters, and the
/// messages grains send each other about tasks. Held once and shared by every queue and Media grain.
/// </summary>
public sealed class TaskServices
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, ViewInbox> _viewInboxes = new();
    private long _faults;

    public TaskServices(SimulatorDirectory directory, TimeProvider time, TimeProvider? pollClock = null)
    {
        Directory = directory;
        Time = time;
        Contacts = new ContactStore(pollClock ?? TimeProvider.System);
        Ids = new TaskIdGenerator(time.GetUtcNow());
    }

    public SimulatorDirectory Directory { get; }

    public TimeProvider Time { get; }

    public ContactStore Contacts { get; }

    public CapacityBoard Capacity { get; } = new();

    public TaskIdGenerator Ids { get; }

    /// <summary>Grain messages that failed (a lost task would show here); tests assert it stays 0.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    public Exception? LastFault { get; private set; }

    internal GrainTable<int, MrdQueueGrain> Queues { get; set; } = null!;

    internal GrainTable<MediaGrainKey, MediaGrain> Media { get; set; } = null!;

    public IMrdQueueGrain GetQueue(int mrdId) => new QueueReference(Queues, mrdId);

    /// <summary>Chaos (task.expire): ends the tasks waiting in the MRD's queue that <paramref name="expire"/> picks, as taskLife would; an inactive queue holds none.</summary>
    public async ValueTask<IReadOnlyList<string>> ExpireQueuedAsync(int mrdId, Func<QueuedTask, bool> expire) =>
        Queues.IsActive(mrdId) ? await Queues.InvokeAsync(mrdId, q => q.ExpireQueuedAsync(expire)).ConfigureAwait(false) : [];

    /// <summary>
    /// CCP's create: stores the contact (<c>unread</c>), resolves the script selector to an MRD, and queues
    /// the task there (<c>queued</c>/<c>EXTERNALLY_ROUTED</c>, with the estimated wait) — or discards it
    /// when no MRD answers to the selector.
    /// </summary>
    public async ValueTask<ContactRecord> SubmitAsync(int feedId, TaskSubmission submission, TimeSpan? workHint = null)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var selector = Directory.FindScriptSelector(submission.ScriptSelector);
        var contact = Contacts.Add(new ContactRecord(
            ContactStore.NewContactId(), feedId, submission, selector?.MrdId, ContactStatus.Unread, ContactReasons.Unread,
            null, null, null, now, [], workHint));
        if (selector is null)
        {
            return Contacts.Update(contact.ContactId, c => c with { Status = ContactStatus.Discarded, StatusReason = ContactReasons.InvalidScriptSelector });
        }

        var (taskId, _) = Ids.Next();
        var task = new QueuedTask(taskId, contact.ContactId, selector.MrdId, selector.Name, TaskVariables.ToCallVariables(submission.Variables), now, workHint);
        Contacts.Update(contact.ContactId, c => c with
        {
            Status = ContactStatus.Queued,
            StatusReason = ContactReasons.ExternallyRouted,
            TaskId = taskId,
            Legs = c.Legs.Add(new TaskLeg(taskId, selector.MrdId, TaskOutcome.Live, now)),
        });
        int wait;
        try
        {
            wait = await GetQueue(selector.MrdId).EnqueueAsync(task).ConfigureAwait(false);
        }
        catch (MailboxFullException)
        {
            // Refused before it was queued (the caller answers 503 and gets no Location): no task exists.
            Contacts.Remove(contact.ContactId);
            throw;
        }

        Capacity.Submitted(selector.MrdId);

        // The estimate is computed once (ccp §4.1); routing may already have reserved the task.
        return Contacts.Update(contact.ContactId, c => c.Status == ContactStatus.Queued && c.EstimatedWaitTime is null ? c with { EstimatedWaitTime = wait } : c);
    }

    /// <summary>DELETE: only while unread or queued (ccp §5); the queue grain decides atomically whether it still holds the task.</summary>
    public async ValueTask<CancelResult> CancelAsync(string contactId)
    {
        if (Contacts.Find(contactId) is not { } contact || (contact.Status == ContactStatus.Discarded && contact.StatusReason == ContactReasons.CancelSucceeded))
        {
            return CancelResult.NotFound;
        }

        if (contact.Status is not (ContactStatus.Queued or ContactStatus.Unread) || contact.MrdId is null)
        {
            return CancelResult.NotCancellable;
        }

        var mrdId = contact.Legs.Count > 0 ? contact.Legs[^1].MrdId : contact.MrdId.Value;
        if (!await GetQueue(mrdId).CancelAsync(contactId).ConfigureAwait(false))
        {
            return CancelResult.NotCancellable;
        }

        var now = Time.GetUtcNow().UtcDateTime;
        Capacity.Abandoned(mrdId);
        Contacts.Update(contactId, c => c.WithLeg(c.TaskId!, l => l with { Outcome = TaskOutcome.Cancelled, EndedAt = now }) with
        {
            Status = ContactStatus.Discarded,
            StatusReason = ContactReasons.CancelSucceeded,
        });
        return CancelResult.Cancelled;
    }

    internal ValueTask<OfferResult> OfferAsync(string userId, int mrdId, QueuedTask task) =>
        Media.InvokeAsync(new MediaGrainKey(userId, mrdId), g => g.TryOfferAsync(task));

    /// <summary>
    /// Fire-and-forget: a Media grain must never wait on the queue, which waits on Media grains. Views are
    /// latest-wins per agent, so they are coalesced here and the queue is posted one drain at a time:
    /// however busy the agents, the queue's mailbox holds at most one view message.
    /// </summary>
    internal void PostAgentView(int mrdId, AgentView view)
    {
        var inbox = _viewInboxes.GetOrAdd(mrdId, static _ => new ViewInbox());
        inbox.Latest.AddOrUpdate(view.UserId, view, (_, old) => view.Version > old.Version ? view : old);
        if (Interlocked.Exchange(ref inbox.Scheduled, 1) == 0)
        {
            Observe(Queues.Post(mrdId, q => q.DrainViewsAsync()));
        }
    }

    /// <summary>Takes the views waiting for the queue of <paramref name="mrdId"/>; called by that queue in its turn.</summary>
    internal List<AgentView> TakeViews(int mrdId)
    {
        var views = new List<AgentView>();
        if (!_viewInboxes.TryGetValue(mrdId, out var inbox))
        {
            return views;
        }

        // Cleared before draining: a view added from here on is either drained now or schedules the next drain.
        Volatile.Write(ref inbox.Scheduled, 0);
        foreach (var userId in inbox.Latest.Keys)
        {
            if (inbox.Latest.TryRemove(userId, out var view))
            {
                views.Add(view);
            }
        }

        return views;
    }

    internal void PostRequeue(QueuedTask task) => Observe(Queues.Post(task.MrdId, async q =>
    {
        await q.EnqueueAsync(task).ConfigureAwait(false);
        return true;
    }));

    /// <summary>Interrupts between Media grains of one user go by post too: they may interrupt each other.</summary>
    internal void PostInterrupt(string userId, int targetMrdId, int sourceMrdId, bool on) =>
        Observe(Media.Post(new MediaGrainKey(userId, targetMrdId), g => g.InterruptAsync(sourceMrdId, on)));

    internal void Observe<T>(Task<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }

        _ = task.ContinueWith(
            (t, s) => ((TaskServices)s!).Fault(t.Exception!),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Fault(Exception ex)
    {
        LastFault = ex;
        Interlocked.Increment(ref _faults);
    }

    private sealed class ViewInbox
    {
        public int Scheduled;

        public System.Collections.Concurrent.ConcurrentDictionary<string, AgentView> Latest { get; } = new(StringComparer.Ordinal);
    }

    private sealed class QueueReference(GrainTable<int, MrdQueueGrain> table, int mrdId) : IMrdQueueGrain
    {
        public ValueTask<int> EnqueueAsync(QueuedTask task) => table.InvokeAsync(mrdId, q => q.EnqueueAsync(task));

        public ValueTask<bool> CancelAsync(string contactId) => table.InvokeAsync(mrdId, q => q.CancelAsync(contactId));

        public ValueTask<bool> AgentChangedAsync(AgentView view) => table.InvokeAsync(mrdId, q => q.AgentChangedAsync(view));

        public ValueTask<QueueSnapshot> GetSnapshotAsync() => table.InvokeAsync(mrdId, static q => q.GetSnapshotAsync());
    }
}

/// <summary>Helpers shared by the grains that build dialogs.</summary>
internal static class TaskDialogs
{
    public static TaskDialog Create(QueuedTask task, string userId, MediaRoutingDomain mrd, DateTime now)
    {
        var (prefix, callId, sequence) = TaskIdGenerator.Parse(task.TaskId);
        return new TaskDialog(
            task.TaskId, task.ContactId, userId, mrd.Id, mrd.Name, Domain.Media.DialogState.Offered, task.CallVariables,
            task.ScriptSelector, mrd.Id, prefix, callId, sequence, now, now, null, task.WorkHint);
    }

    public static ImmutableArray<Domain.Media.DialogSummary> Summaries(ImmutableList<TaskDialog> dialogs) =>
        [.. dialogs.Select(d => d.Summary)];
}
