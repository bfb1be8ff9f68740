using System.Collections.Immutable;
using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.GrainInterfaces.Chaos;

/// <summary>One fault of the cluster as every process schedules it: the same window, seed and order everywhere.</summary>
/// <param name="Order">Position among all faults the cluster was given: decisions visit active faults in this order.</param>
[GenerateSerializer, Immutable, Alias("ChaosFaultEntry")]
public sealed record ChaosFaultEntry(
    [property: Id(0)] FaultSpec Spec,
    [property: Id(1)] string Source,
    [property: Id(2)] ulong Seed,
    [property: Id(3)] long Order,
    [property: Id(4)] DateTimeOffset ScheduledStart)
{
    public DateTimeOffset? ScheduledEnd => Spec.Duration is { } d ? ScheduledStart + d : null;
}

/// <summary>The running plan, as <c>GET /admin/chaos/timeline</c> shows it.</summary>
[GenerateSerializer, Immutable, Alias("ChaosPlanEntry")]
public sealed record ChaosPlanEntry(
    [property: Id(0)] string Name,
    [property: Id(1)] ulong Seed,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] double? LengthSeconds,
    [property: Id(4)] int Faults);

/// <summary>A process of the cluster that follows the chaos plan (a silo or a gateway, by its <c>--node-name</c>).</summary>
[GenerateSerializer, Immutable, Alias("ChaosNode")]
public sealed record ChaosNode([property: Id(0)] string Name, [property: Id(1)] string Role);

/// <summary>
/// The cluster's faults: every process reconciles its own engine with it. Faults whose window ended stay a while,
/// so a process that joins late still shows them on its timeline.
/// </summary>
/// <param name="Leader">The process that performs the one-off actions on grains (failover's sign-outs, task expiry);
/// every process performs its own session cuts.</param>
[GenerateSerializer, Immutable, Alias("ChaosClusterState")]
public sealed record ChaosClusterState(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<ChaosFaultEntry> Faults,
    [property: Id(2)] ChaosPlanEntry? Plan,
    [property: Id(3)] DateTimeOffset? Origin,
    [property: Id(4)] string? Leader,
    [property: Id(5)] ImmutableArray<ChaosNode> Nodes,
    [property: Id(6)] long Epoch)
{
    /// <summary>Whether this state is newer than one with <paramref name="epoch"/> and <paramref name="version"/> (a new
    /// activation of the grain starts a new epoch, so its versions are not compared with the old one's).</summary>
    public bool IsNewerThan(long epoch, long version) => Epoch != epoch || Version > version;
}

/// <summary>What an admin change did: the new state, the orders of the faults it added, how many it cleared, whether
/// it changed anything, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("ChaosChange")]
public sealed record ChaosChange(
    [property: Id(0)] ChaosClusterState State,
    [property: Id(1)] ImmutableArray<long> Added,
    [property: Id(2)] int Cleared,
    [property: Id(3)] bool Changed,
    [property: Id(4)] string? Conflict = null,
    [property: Id(5)] bool Stale = false);
