using System.Collections.Immutable;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Statistics;

namespace MrdSimulator.Grains.Messaging;

/// <summary>Items sent in order, in batches of at most <see cref="MaxBatch"/>.</summary>
internal sealed class BatchLane<T>(GrainOutbox outbox, string target, bool reliable, int capacity, Func<ImmutableArray<T>, Task> send) : OutboxLane(outbox)
{
    private const int MaxBatch = 512;
    private readonly Queue<T> _pending = new();

    public string Target { get; } = target;

    protected override bool Reliable => reliable;

    protected override bool HasPending => _pending.Count > 0;

    /// <summary>False when the lane was retired; <paramref name="dropped"/> when the lane was full and the item was refused.</summary>
    public bool TryPost(T item, out bool dropped)
    {
        var full = false;
        var posted = Post(item, i =>
        {
            if (_pending.Count >= capacity)
            {
                full = true;
                return;
            }

            _pending.Enqueue(i);
        });
        dropped = full;
        return posted;
    }

    protected override object? TakeBatch()
    {
        if (_pending.Count == 0)
        {
            return null;
        }

        var batch = ImmutableArray.CreateBuilder<T>(Math.Min(_pending.Count, MaxBatch));
        while (batch.Count < MaxBatch && _pending.TryDequeue(out var item))
        {
            batch.Add(item);
        }

        return batch.MoveToImmutable();
    }

    protected override Task SendAsync(object batch) => send((ImmutableArray<T>)batch);

    protected override int CountOf(object batch) => ((ImmutableArray<T>)batch).Length;

    public override string ToString() => Target;
}

/// <summary>Agents' views for one MRD's queue: only each agent's latest view matters, so newer views replace older ones.</summary>
internal sealed class ViewLane(GrainOutbox outbox, int mrdId) : OutboxLane(outbox)
{
    private readonly Dictionary<string, AgentView> _latest = new(StringComparer.Ordinal);

    protected override bool Reliable => true;

    protected override bool HasPending => _latest.Count > 0;

    public void Add(AgentView view) => Post(view, v =>
    {
        if (!_latest.TryGetValue(v.UserId, out var known) || known.Version < v.Version)
        {
            _latest[v.UserId] = v;
        }
    });

    protected override object? TakeBatch()
    {
        if (_latest.Count == 0)
        {
            return null;
        }

        var views = _latest.Values.ToImmutableArray();
        _latest.Clear();
        return views;
    }

    protected override Task SendAsync(object batch) =>
        Outbox.Grains.Get<IMrdQueueGrain>(mrdId).AgentsChangedAsync((ImmutableArray<AgentView>)batch).AsTask();

    protected override int CountOf(object batch) => ((ImmutableArray<AgentView>)batch).Length;

    public override string ToString() => $"queue {mrdId}";
}

/// <summary>One MRD's figures: changes add up until the next delivery.</summary>
internal sealed class StatsLane(GrainOutbox outbox, int mrdId) : OutboxLane(outbox)
{
    private readonly MrdStatsAccumulator _accumulator = new();

    protected override bool Reliable => true;

    // A step of a discrete-event run changes the figures several times; one delivery at its end carries them all.
    protected override bool Deferrable => true;

    protected override bool HasPending => !_accumulator.IsEmpty;

    public void Change<TArg>(TArg arg, Action<MrdStatsAccumulator, TArg> change) => Post((arg, change), a => a.change(_accumulator, a.arg));

    protected override object? TakeBatch() => _accumulator.IsEmpty ? null : _accumulator.Take();

    protected override Task SendAsync(object batch) => Outbox.Grains.Get<IMrdStatsGrain>(mrdId).ApplyAsync((MrdStatsDelta)batch).AsTask();

    protected override int CountOf(object batch) => 1;

    public override string ToString() => $"stats {mrdId}";
}
