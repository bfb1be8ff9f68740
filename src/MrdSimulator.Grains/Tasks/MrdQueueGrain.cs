using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MrdSimulator.Domain.Directory;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Tasks;

[GenerateSerializer, Immutable, Alias("MrdQueueState")]
public sealed record MrdQueueState
{
    /// <summary>Waiting tasks, oldest first.</summary>
    [Id(0)]
    public ImmutableList<QueuedTask> Tasks { get; init; } = [];
}

/// <summary>
/// The routing queue of one MRD: FIFO tasks (persisted), and the agents that may take one ordered
/// longest-available first (in memory, rebuilt from the agents' views). An offer is a call to the agent's Media
/// grain, which accepts or refuses in its own turn; on a refusal the queue takes the agent's fresh view and tries
/// the next. Kept alive while the silo runs: the agents' views live only here. New submissions are refused at the
/// MRD's limits (waiting tasks, and the memory their requests take); tasks coming back or transferred are not.
/// </summary>
[KeepAlive]
public sealed partial class MrdQueueGrain(
    [PersistentState("queue", StorageNames.Grains)] IPersistentState<MrdQueueState> state,
    SimulatorDirectory directory,
    GrainOutbox outbox,
    SimulationWork work,
    TaskIntakeOptions intake,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<MrdQueueGrain> log) : Grain, IMrdQueueGrain
{
    private readonly Dictionary<string, QueuedTask> _byContact = new(StringComparer.Ordinal);
    private long _bytes;
    private readonly Dictionary<string, AgentView> _agents = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Since, string UserId)> _eligible = [];
    private MediaRoutingDomain _mrd = null!;
    private IDisposable? _sweep;
    private int _staffedSlots;

    private int MrdId => _mrd.Id;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var mrdId = (int)this.GetPrimaryKeyLong();
        _mrd = directory.FindMrd(mrdId) ?? throw new InvalidOperationException($"Unknown MRD {mrdId}");
        Rebuild(state.State.Tasks);
        SweepWhileQueued();
        return Task.CompletedTask;
    }

    public async ValueTask<EnqueueResult> EnqueueAsync(QueuedTask task)
    {
        if (_byContact.ContainsKey(task.ContactId))
        {
            throw new InvalidOperationException($"Contact {task.ContactId} is already queued in MRD {MrdId}");
        }

        if (Refusal(task.Size) is { } full)
        {
            return new EnqueueResult(0, full);
        }

        await AddAsync([new QueueEntry(task, Submitted: true)]);
        var position = state.State.Tasks.Count;
        await DispatchAsync();
        return new EnqueueResult(_byContact.ContainsKey(task.ContactId) ? await EstimateWaitAsync(position) : 0);
    }

    public ValueTask<QueueFull?> CheckRoomAsync(int size) => ValueTask.FromResult(Refusal(size));

    public async ValueTask EnqueueManyAsync(ImmutableArray<QueueEntry> entries)
    {
        // A batch the outbox retried after an unknown outcome may repeat a task already here.
        await AddAsync([.. entries.Where(e => !_byContact.ContainsKey(e.Task.ContactId))]);
        await DispatchAsync();
    }

    public async ValueTask<bool> CancelAsync(string contactId) => await RemoveAsync(contactId, abandoned: true) is not null;

    public ValueTask<QueuedTask?> WithdrawAsync(string contactId) => RemoveAsync(contactId, abandoned: false);

    public async ValueTask AgentsChangedAsync(ImmutableArray<AgentView> views)
    {
        var changed = false;
        foreach (var view in views)
        {
            changed |= Apply(view);
        }

        if (changed)
        {
            await DispatchAsync();
        }
    }

    public ValueTask<QueueSnapshot> GetSnapshotAsync() =>
        ValueTask.FromResult(new QueueSnapshot(MrdId, state.State.Tasks.Count, _eligible.Count, _staffedSlots, [.. state.State.Tasks.Select(t => t.ContactId)]));

    public async ValueTask<ImmutableArray<string>> ExpireQueuedAsync(ImmutableArray<string> contactIds)
    {
        var now = Now;
        var ended = contactIds.Where(_byContact.ContainsKey).ToImmutableArray();
        await ExpireAsync([.. ended.Select(c => _byContact[c])], now);
        return ended;
    }

    private async ValueTask AddAsync(IReadOnlyList<QueueEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        foreach (var entry in entries)
        {
            Hold(entry.Task);
        }

        await SaveAsync(state.State.Tasks.AddRange(entries.Select(e => e.Task)));
        var submitted = entries.Count(e => e.Submitted);
        outbox.Stats(MrdId, (Submitted: submitted, Length: state.State.Tasks.Count), static (s, a) =>
        {
            for (var i = 0; i < a.Submitted; i++)
            {
                s.Submitted();
            }

            s.QueueLength(a.Length);
        });
        SweepWhileQueued();
    }

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
        while (!state.State.Tasks.IsEmpty && _eligible.Count > 0)
        {
            var task = state.State.Tasks[0];
            var routed = false;
            foreach (var (_, userId) in _eligible.ToArray())
            {
                OfferResult result;
                try
                {
                    result = await GrainFactory.GetMediaGrain(userId, MrdId).TryOfferAsync(task);
                }
                catch (LimitExceededException)
                {
                    // The agent's grain is swamped by its client; try the others now and this one on its next view.
                    continue;
                }
                catch (TimeoutException ex)
                {
                    // Unknown outcome: the offer may have landed. Leaving the task queued risks a second offer elsewhere,
                    // dropping it risks losing it; keep it, and let the agent's view decide when to try again.
                    LogOfferTimedOut(ex, task.TaskId, userId);
                    continue;
                }

                Apply(result.View);
                if (result.Accepted)
                {
                    Release(task.ContactId, out _);
                    await SaveAsync(state.State.Tasks.RemoveAt(0));
                    outbox.Stats(MrdId, (Wait: Now - task.EnqueuedAt, _mrd.ServiceLevelThresholdSeconds, Length: state.State.Tasks.Count), static (s, r) =>
                    {
                        s.Routed(r.Wait, r.ServiceLevelThresholdSeconds);
                        s.QueueLength(r.Length);
                    });
                    routed = true;
                    break;
                }
            }

            if (!routed)
            {
                break;
            }
        }

        SweepWhileQueued();
    }

    /// <summary>Tasks that outlive taskLife in the queue are discarded (never offered, so no agent hears of them).</summary>
    private async Task SweepAsync()
    {
        var now = Now;
        var life = TimeSpan.FromSeconds(_mrd.TaskLifeSeconds);
        await ExpireAsync([.. state.State.Tasks.Where(t => now - t.EnqueuedAt >= life)], now);
        SweepWhileQueued();
    }

    private async ValueTask ExpireAsync(IReadOnlyList<QueuedTask> tasks, DateTime now)
    {
        if (tasks.Count == 0)
        {
            return;
        }

        foreach (var task in tasks)
        {
            Release(task.ContactId, out _);
        }

        await SaveAsync(state.State.Tasks.RemoveRange(tasks));
        outbox.Stats(MrdId, (Count: tasks.Count, Length: state.State.Tasks.Count), static (s, a) =>
        {
            for (var i = 0; i < a.Count; i++)
            {
                s.Expired();
            }

            s.QueueLength(a.Length);
        });
        foreach (var task in tasks)
        {
            outbox.ToContact(task.ContactId, new ContactEvent(ContactEventKind.QueueExpired, task.TaskId, now));
        }
    }

    /// <summary>The taskLife sweep runs only while something waits, so an idle queue costs a simulated clock nothing.</summary>
    private void SweepWhileQueued()
    {
        if (state.State.Tasks.IsEmpty)
        {
            _sweep?.Dispose();
            _sweep = null;
        }
        else if (_sweep is null)
        {
            var every = TimeSpan.FromSeconds(Math.Clamp(_mrd.TaskLifeSeconds / 10.0, 1, 60));
            _sweep = this.Every(every, work, SweepAsync);
        }
    }

    private async ValueTask SaveAsync(ImmutableList<QueuedTask> tasks)
    {
        var stored = state.State;
        state.State = new MrdQueueState { Tasks = tasks };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = stored;
            Rebuild(stored.Tasks);
            throw;
        }
    }

    /// <summary>Takes a waiting task out: abandoned (cancelled by its client) or transferred out (renotified elsewhere).</summary>
    private async ValueTask<QueuedTask?> RemoveAsync(string contactId, bool abandoned)
    {
        if (!Release(contactId, out var task))
        {
            return null;
        }

        await SaveAsync(state.State.Tasks.Remove(task));
        outbox.Stats(MrdId, (Abandoned: abandoned, Length: state.State.Tasks.Count), static (s, a) =>
        {
            if (a.Abandoned)
            {
                s.Abandoned();
            }
            else
            {
                s.Transferred();
            }

            s.QueueLength(a.Length);
        });
        return task;
    }

    /// <summary>
    /// The limit a new task of <paramref name="size"/> bytes would break, or null. Only new submissions are checked: a
    /// task coming back (RONA, sign-out) or transferred here was accepted once, so it is always taken and only counts
    /// toward the limits.
    /// </summary>
    private QueueFull? Refusal(int size)
    {
        var maxTasks = _mrd.MaxTasksInQueue ?? intake.MaxTasksInQueue;
        if (state.State.Tasks.Count >= maxTasks)
        {
            return new QueueFull(MrdId, QueueLimit.Tasks, state.State.Tasks.Count, maxTasks);
        }

        return _bytes + size > intake.MaxQueueBytes ? new QueueFull(MrdId, QueueLimit.Memory, _bytes, intake.MaxQueueBytes) : null;
    }

    private void Hold(QueuedTask task)
    {
        _byContact[task.ContactId] = task;
        _bytes += task.Size;
    }

    private bool Release(string contactId, [MaybeNullWhen(false)] out QueuedTask task)
    {
        if (!_byContact.Remove(contactId, out task))
        {
            return false;
        }

        _bytes -= task.Size;
        return true;
    }

    private void Rebuild(ImmutableList<QueuedTask> tasks)
    {
        _byContact.Clear();
        _bytes = 0;
        foreach (var task in tasks)
        {
            Hold(task);
        }
    }

    /// <summary>Position × average handle time ÷ staffed slots; -1 until a handled task gives a handle time (ccp: EWT -1 when unknown).</summary>
    private async ValueTask<int> EstimateWaitAsync(int position)
    {
        if (_staffedSlots == 0)
        {
            return -1;
        }

        var aht = await GrainFactory.Get<IMrdStatsGrain>(MrdId).GetAverageHandleSecondsAsync();
        return aht <= 0 ? -1 : (int)Math.Ceiling(position * aht / _staffedSlots);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offering task {TaskId} to {UserId} timed out; the task stays queued")]
    private partial void LogOfferTimedOut(Exception ex, string taskId, string userId);
}
