using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains.Runtime;

namespace MrdSimulator.Grains.Tasks;

/// <summary>A task waiting in (or handed out by) an MRD's queue.</summary>
/// <param name="EnqueuedAt">When this queue visit began (wait is measured from here).</param>
/// <param name="WorkHint">The work the task carries, for bot agents (simulation only; never on the wire).</param>
public sealed record QueuedTask(
    string TaskId,
    string ContactId,
    int MrdId,
    string ScriptSelector,
    ImmutableArray<TaskVariable> CallVariables,
    DateTime EnqueuedAt,
    TimeSpan? WorkHint = null);

/// <summary>
/// What the queue knows of one agent in its MRD, sent by the agent's Media grain whenever it changes.
/// It is only a hint: the Media grain decides an offer in its own turn.
/// </summary>
/// <param name="AvailableSince">Timestamp of the agent's last offer, task end or READY; the oldest goes first.</param>
/// <param name="Version">Increases with every view a Media grain produces, so late views are ignored.</param>
public readonly record struct AgentView(string UserId, bool Eligible, int FreeSlots, int Slots, long AvailableSince, long Version);

public readonly record struct OfferResult(bool Accepted, AgentView View);

public sealed record QueueSnapshot(int MrdId, int Queued, int EligibleAgents, int StaffedSlots, IReadOnlyList<string> QueuedContacts);

public interface IMrdQueueGrain
{
    /// <summary>Queues a task and routes what can be routed; returns the estimated wait in seconds (-1 when unknown).</summary>
    ValueTask<int> EnqueueAsync(QueuedTask task);

    /// <summary>Removes a waiting task; false when it is no longer in the queue (already offered, or unknown).</summary>
    ValueTask<bool> CancelAsync(string contactId);

    ValueTask<bool> AgentChangedAsync(AgentView view);

    ValueTask<QueueSnapshot> GetSnapshotAsync();
}

/// <summary>
/// The routing queue of one MRD: FIFO tasks, and the agents that may take one ordered longest-available
/// first. An offer is a call to the agent's Media grain, which accepts or refuses in its own turn; on a
/// refusal the queue takes the agent's fresh view and tries the next. The queue never waits on anything
/// that could wait on it: Media grains tell it things only by <see cref="GrainTable{TKey,TGrain}.Post"/>.
/// </summary>
public sealed class MrdQueueGrain(int mrdId, TaskServices services) : Grain, IMrdQueueGrain
{
    private readonly LinkedList<QueuedTask> _queue = new();
    private readonly Dictionary<string, LinkedListNode<QueuedTask>> _byContact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentView> _agents = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Since, string UserId)> _eligible = new();
    private MediaRoutingDomain _mrd = null!;
    private int _staffedSlots;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _mrd = services.Directory.FindMrd(mrdId) ?? throw new InvalidOperationException($"Unknown MRD {mrdId}");

        // Holds the activation (the queue lives in memory) and ends tasks that outlive the MRD's taskLife.
        var sweep = TimeSpan.FromSeconds(Math.Clamp(_mrd.TaskLifeSeconds / 10.0, 1, 60));
        RegisterTimer(_ => ExpireAsync(), sweep, sweep);
        return Task.CompletedTask;
    }

    public async ValueTask<int> EnqueueAsync(QueuedTask task)
    {
        if (_byContact.ContainsKey(task.ContactId))
        {
            throw new InvalidOperationException($"Contact {task.ContactId} is already queued in MRD {mrdId}");
        }

        _byContact[task.ContactId] = _queue.AddLast(task);
        services.Capacity.QueueLength(mrdId, _queue.Count);
        var position = _queue.Count;
        await DispatchAsync().ConfigureAwait(false);
        return _byContact.ContainsKey(task.ContactId) ? EstimateWait(position) : 0;
    }

    public ValueTask<bool> CancelAsync(string contactId)
    {
        if (!_byContact.Remove(contactId, out var node))
        {
            return ValueTask.FromResult(false);
        }

        _queue.Remove(node);
        services.Capacity.QueueLength(mrdId, _queue.Count);
        return ValueTask.FromResult(true);
    }

    public async ValueTask<bool> AgentChangedAsync(AgentView view)
    {
        if (Apply(view))
        {
            await DispatchAsync().ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Applies the agents' latest views (coalesced by <see cref="TaskServices"/>) and routes.</summary>
    public async ValueTask<bool> DrainViewsAsync()
    {
        var changed = false;
        foreach (var view in services.TakeViews(mrdId))
        {
            changed |= Apply(view);
        }

        if (changed)
        {
            await DispatchAsync().ConfigureAwait(false);
        }

        return changed;
    }

    public ValueTask<QueueSnapshot> GetSnapshotAsync() =>
        ValueTask.FromResult(new QueueSnapshot(mrdId, _queue.Count, _eligible.Count, _staffedSlots, [.. _queue.Select(t => t.ContactId)]));

    private bool Apply(AgentView view)
    {
        if (_agents.TryGetValue(view.UserId, out var known))
        {
            if (known.Version >= view.Version)
            {
                return false;
            }

            _eligible.Remove((known.AvailableSince, known.UserId));
            _staffedSlots -= known.Slots;
        }

        if (view.Slots == 0 && !view.Eligible)
        {
            _agents.Remove(view.UserId);
        }
        else
        {
            _agents[view.UserId] = view;
            _staffedSlots += view.Slots;
        }

        if (view.Eligible && view.FreeSlots > 0)
        {
            _eligible.Add((view.AvailableSince, view.UserId));
        }

        return true;
    }

    private async ValueTask DispatchAsync()
    {
        while (_queue.First is { } head && _eligible.Count > 0)
        {
            var task = head.Value;
            var routed = false;
            foreach (var (_, userId) in _eligible.ToArray())
            {
                OfferResult result;
                try
                {
                    result = await services.OfferAsync(userId, mrdId, task).ConfigureAwait(false);
                }
                catch (MailboxFullException)
                {
                    // The agent's grain is swamped by its client; try the others now and this one on its next view.
                    continue;
                }

                Apply(result.View);
                if (result.Accepted)
                {
                    _queue.Remove(head);
                    _byContact.Remove(task.ContactId);
                    services.Capacity.QueueLength(mrdId, _queue.Count);
                    services.Capacity.Routed(mrdId, services.Time.GetUtcNow().UtcDateTime - task.EnqueuedAt, _mrd.ServiceLevelThresholdSeconds);
                    routed = true;
                    break;
                }
            }

            if (!routed)
            {
                return;
            }
        }
    }

    private Task ExpireAsync()
    {
        var now = services.Time.GetUtcNow().UtcDateTime;
        var life = TimeSpan.FromSeconds(_mrd.TaskLifeSeconds);
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (now - node.Value.EnqueuedAt >= life)
            {
                Expire(node, now);
            }

            node = next;
        }

        services.Capacity.QueueLength(mrdId, _queue.Count);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Chaos (task.expire): the waiting tasks <paramref name="expire"/> picks end as if their taskLife had run
    /// out. Returns their contact ids.
    /// </summary>
    public ValueTask<IReadOnlyList<string>> ExpireQueuedAsync(Func<QueuedTask, bool> expire)
    {
        var now = services.Time.GetUtcNow().UtcDateTime;
        var ended = new List<string>();
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (expire(node.Value))
            {
                ended.Add(node.Value.ContactId);
                Expire(node, now);
            }

            node = next;
        }

        services.Capacity.QueueLength(mrdId, _queue.Count);
        return ValueTask.FromResult<IReadOnlyList<string>>(ended);
    }

    /// <summary>A task that outlived taskLife in the queue is discarded (never offered, so no agent hears of it).</summary>
    private void Expire(LinkedListNode<QueuedTask> node, DateTime now)
    {
        var task = node.Value;
        _queue.Remove(node);
        _byContact.Remove(task.ContactId);
        services.Capacity.Expired(mrdId);
        services.Contacts.Update(task.ContactId, c => c.WithLeg(task.TaskId, l => l with { Outcome = TaskOutcome.Expired, EndedAt = now }) with
        {
            Status = ContactStatus.Discarded,
            StatusReason = ContactReasons.TaskLifeExceeded,
        });
    }

    /// <summary>Position × average handle time ÷ staffed slots; -1 until a handled task gives a handle time (ccp: EWT -1 when unknown).</summary>
    private int EstimateWait(int position)
    {
        var aht = services.Capacity.AverageHandleSeconds(mrdId);
        return aht <= 0 || _staffedSlots == 0 ? -1 : (int)Math.Ceiling(position * aht / _staffedSlots);
    }
}
