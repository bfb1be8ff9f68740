using System.Collections.Immutable;
using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.GrainInterfaces.Chaos;

/// <summary>A process following the cluster's chaos plan; told of every change (and it asks again when it renews).</summary>
[Alias("IChaosReplica")]
public interface IChaosReplica : IGrainObserver
{
    [ResponseTimeout("00:00:05")]
    [Alias("Changed")]
    Task ChangedAsync(ChaosClusterState state);
}

/// <summary>
/// The cluster's chaos plan (one grain, key 0): admin changes made on any gateway land here, in one order, and are
/// told to every process, so a fault added on gateway 1 hits requests on gateway 2 and grains on every silo.
/// </summary>
[Alias("IChaosControlGrain")]
public interface IChaosControlGrain : IGrainWithIntegerKey
{
    /// <summary>Joins (or renews) a process; it is told of changes until it stops renewing.</summary>
    [Alias("Join")]
    Task<ChaosClusterState> JoinAsync(IChaosReplica replica, ChaosNode node);

    [Alias("Leave")]
    Task LeaveAsync(IChaosReplica replica);

    [ReadOnly]
    [Alias("Get")]
    Task<ChaosClusterState> GetAsync();

    /// <summary>The number the next unnamed admin fault gets (<c>a</c>N); <see cref="AddAsync"/> checks it is still next.</summary>
    [ReadOnly]
    [Alias("NextAdminId")]
    Task<long> NextAdminIdAsync();

    /// <param name="firstAdminId">What <see cref="NextAdminIdAsync"/> answered before the faults were named; if another
    /// change took those numbers meanwhile, the answer is <see cref="ChaosChange.Stale"/> and the caller names them again.</param>
    [Alias("Add")]
    Task<ChaosChange> AddAsync(ImmutableArray<FaultSpec> specs, string source, ulong seed, long firstAdminId, int adminIdsUsed);

    /// <summary>Clears one fault, or every fault and the plan (<paramref name="id"/> null).</summary>
    [Alias("Clear")]
    Task<ChaosChange> ClearAsync(string? id);

    /// <param name="keepIfRunning">A plan given at start-up (<c>--chaos-plan</c> on every gateway) starts once: the same
    /// plan already running is kept.</param>
    [Alias("StartPlan")]
    Task<ChaosChange> StartPlanAsync(ChaosPlan plan, bool keepIfRunning);

    [Alias("StopPlan")]
    Task<ChaosChange> StopPlanAsync();
}
