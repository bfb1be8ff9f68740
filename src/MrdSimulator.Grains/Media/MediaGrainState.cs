using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// The task side of one agent in one MRD: the live dialogs in offer order, and the agent's other MRDs whose work
/// interrupts this one.
/// </summary>
[GenerateSerializer, Immutable, Alias("MediaTaskState")]
public sealed record MediaTaskState
{
    public static readonly MediaTaskState Initial = new();

    [Id(0)]
    public ImmutableList<TaskDialog> Dialogs { get; init; } = [];

    [Id(1)]
    public ImmutableSortedSet<int> InterruptedBy { get; init; } = [];

    public TaskDialog? Find(string dialogId) => Dialogs.Find(d => d.Id == dialogId);
}

/// <summary>Who receives the pair's Updates; a leased subscription (a gateway) ends unless renewed, a bot's does not.</summary>
[GenerateSerializer, Immutable]
public readonly record struct Subscription(IUpdateSubscriber Subscriber, bool Leased);

/// <summary>Everything a Media grain persists, written as one record per turn.</summary>
[GenerateSerializer, Immutable, Alias("MediaGrainState")]
public sealed record MediaGrainState
{
    public static readonly MediaGrainState Initial = new();

    [Id(0)]
    public MediaState Media { get; init; } = MediaState.Initial;

    [Id(1)]
    public MediaTaskState Tasks { get; init; } = MediaTaskState.Initial;

    [Id(2)]
    public ImmutableArray<Subscription> Subscribers { get; init; } = [];

    /// <summary>The last Media change made while someone subscribed (<see cref="MediaChange"/>); null otherwise.</summary>
    [Id(3)]
    public MediaChange? LastMediaChange { get; init; }

    /// <summary>
    /// Counts the writes of this record. Etags serialize writes across activations, so the version orders every state
    /// the pair went through, even when a silo failure left two activations alive for a moment; Updates carry it.
    /// </summary>
    [Id(4)]
    public long Version { get; init; }
}

/// <summary>
/// When the Media state last changed and which request changed it. A silo can die after the change is written and
/// before its Update leaves the outbox; the next activation publishes the Update again if the change is recent,
/// so an accepted request's Update still comes (a receiver that had it drops the copy).
/// </summary>
[GenerateSerializer, Immutable, Alias("MediaChange")]
public sealed record MediaChange([property: Id(0)] string? RequestId, [property: Id(1)] DateTime WrittenUtc);
