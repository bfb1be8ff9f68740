using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Statistics;

namespace MrdSimulator.Grains.Messaging;

/// <summary>
/// How a grain tells another grain, or a subscriber, something without waiting for it (one per silo). A grain that
/// awaited a call to a grain that may call it back would deadlock two non-reentrant activations, and a grain that
/// fired a call and forgot it would lose the message when the target is overloaded. So messages go into a lane
/// per target, delivered in order, one batch in flight at a time, off the grain's turn. Lanes to grains are
/// reliable (a call refused for overload or lost with a silo is retried until it lands); lanes to Update
/// subscribers are bounded and best-effort (a slow or vanished subscriber loses Updates, which its sequence numbers
/// show, and never holds a grain).
/// </summary>
public sealed partial class GrainOutbox(IGrainFactory grains, SimulationWork work, ILogger<GrainOutbox> log)
{
    /// <summary>Updates waiting for one subscriber before new ones are dropped.</summary>
    public const int SubscriberQueueCapacity = 10_000;

    private readonly ConcurrentDictionary<int, ViewLane> _views = new();
    private readonly ConcurrentDictionary<int, StatsLane> _stats = new();
    private readonly ConcurrentDictionary<int, BatchLane<QueueEntry>> _enqueues = new();
    private readonly ConcurrentDictionary<string, BatchLane<ContactEvent>> _contacts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BatchLane<InterruptChange>> _interrupts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<GrainId, BatchLane<Update>> _updates = new();
    private long _failed;
    private long _dropped;
    private long _retries;

    internal IGrainFactory Grains { get; } = grains;

    internal SimulationWork Work { get; } = work;

    /// <summary>Messages to grains given up on after a permanent failure (a grain threw); tests assert this stays 0.</summary>
    public long FailedMessages => Interlocked.Read(ref _failed);

    /// <summary>Updates a subscriber did not get: its queue was full, or the delivery call failed.</summary>
    public long DroppedUpdates => Interlocked.Read(ref _dropped);

    /// <summary>Deliveries retried after a transient failure (overload, timeout, silo loss).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public Exception? LastFailure { get; private set; }

    /// <summary>An agent's routing view for its MRD's queue (latest per agent wins).</summary>
    public void AgentChanged(int mrdId, AgentView view) => _views.GetOrAdd(mrdId, static (id, o) => new ViewLane(o, id), this).Add(view);

    /// <summary>A change to an MRD's figures, made under the lane's lock.</summary>
    public void Stats<TArg>(int mrdId, TArg arg, Action<MrdStatsAccumulator, TArg> change) =>
        _stats.GetOrAdd(mrdId, static (id, o) => new StatsLane(o, id), this).Change(arg, change);

    /// <summary>A task for an MRD's queue (requeue or transfer).</summary>
    public void Enqueue(QueuedTask task, bool submitted) =>
        _enqueues.GetOrAdd(task.MrdId, static (id, o) => new BatchLane<QueueEntry>(
            o, "queue " + id.ToString(System.Globalization.CultureInfo.InvariantCulture), reliable: true, int.MaxValue,
            entries => o.Grains.Get<IMrdQueueGrain>(id).EnqueueManyAsync(entries).AsTask()), this).TryPost(new QueueEntry(task, submitted), out _);

    public void ToContact(string contactId, ContactEvent contactEvent)
    {
        while (!_contacts.GetOrAdd(contactId, static (id, o) => new BatchLane<ContactEvent>(
                o, "contact " + id, reliable: true, int.MaxValue, events => o.Grains.Get<IContactGrain>(id).ApplyEventsAsync(events).AsTask()), this)
            .TryPost(contactEvent, out _))
        {
            // The lane retired between lookup and post; the next lookup makes a new one.
        }
    }

    public void Interrupt(MediaGrainKey target, InterruptChange change)
    {
        var key = target.ToString();
        while (!_interrupts.GetOrAdd(key, static (id, o) => new BatchLane<InterruptChange>(
                o, "media " + id, reliable: true, int.MaxValue, changes => o.Grains.Get<IMediaGrain>(id).InterruptAsync(changes).AsTask()), this)
            .TryPost(change, out _))
        {
        }
    }

    /// <summary>An Update for one subscriber; dropped (and counted) when that subscriber already has a full queue.</summary>
    public void Deliver(IUpdateSubscriber subscriber, Update update)
    {
        var lane = _updates.GetOrAdd(subscriber.GetGrainId(), static (id, s) => new BatchLane<Update>(
            s.Outbox, "subscriber " + id, reliable: false, SubscriberQueueCapacity, updates => s.Subscriber.OnUpdatesAsync(updates)), (Outbox: this, Subscriber: subscriber));
        if (lane.TryPost(update, out var dropped) && dropped)
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Completes when everything posted so far in this silo has been delivered.</summary>
    public Task FlushAsync() =>
        Task.WhenAll(_views.Values.Cast<OutboxLane>().Concat(_stats.Values).Concat(_enqueues.Values).Concat(_contacts.Values).Concat(_interrupts.Values).Concat(_updates.Values)
            .Select(l => l.WhenIdle()));

    /// <summary>Completes when the figures posted so far in this silo have reached their MRDs' statistics grains.</summary>
    public Task FlushStatsAsync() => Task.WhenAll(_stats.Values.Select(l => l.WhenIdle()));

    internal static bool IsTransient(Exception ex) => ex is OrleansException or TimeoutException;

    internal void LaneIdle(OutboxLane lane)
    {
        // Lanes to contacts and to Media grains come and go with tasks and agents: retire them when idle.
        switch (lane)
        {
            case BatchLane<ContactEvent> contact when contact.TryRetire():
                _contacts.TryRemove(new KeyValuePair<string, BatchLane<ContactEvent>>(contact.Target[8..], contact));
                break;
            case BatchLane<InterruptChange> interrupt when interrupt.TryRetire():
                _interrupts.TryRemove(new KeyValuePair<string, BatchLane<InterruptChange>>(interrupt.Target[6..], interrupt));
                break;
        }
    }

    internal void Retried(OutboxLane lane, Exception ex)
    {
        if (Interlocked.Increment(ref _retries) % 1000 == 1)
        {
            LogRetrying(lane.ToString()!, ex.GetType().Name, ex.Message);
        }
    }

    internal void GaveUp(OutboxLane lane, int messages, Exception ex)
    {
        if (lane is BatchLane<Update>)
        {
            Interlocked.Add(ref _dropped, messages);
            LogUpdatesLost(messages, lane.ToString()!, ex.GetType().Name, ex.Message);
            return;
        }

        LastFailure = ex;
        Interlocked.Add(ref _failed, messages);
        LogFailed(ex, messages, lane.ToString()!);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Target} is being retried ({Error}: {Message}); messages wait in order")]
    private partial void LogRetrying(string target, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} Updates for {Target} were lost ({Error}: {Message})")]
    private partial void LogUpdatesLost(int count, string target, string error, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} messages to {Target} failed and were dropped")]
    private partial void LogFailed(Exception ex, int count, string target);
}
