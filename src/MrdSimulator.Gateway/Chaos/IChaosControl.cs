using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// What the admin API asks of chaos: change the faults and read what they did. Embedded, the process's engine answers
/// (<see cref="LocalChaosControl"/>); in a cluster, changes go through the cluster's chaos grain and the records are
/// the cluster's (<see cref="Cluster.ClusterChaosControl"/>).
/// </summary>
public interface IChaosControl
{
    /// <summary>Adds the faults <paramref name="parse"/> reads; it is given the namer for faults without an id.</summary>
    /// <exception cref="ChaosConflictException">An id is in use, failover windows overlap, or a process fault has no target.</exception>
    Task<IReadOnlyList<FaultView>> AddAsync(Func<Func<int, string>, IReadOnlyList<FaultSpec>> parse);

    /// <summary>Clears one fault, or every fault and the plan (<paramref name="id"/> null); returns how many.</summary>
    Task<int> ClearAsync(string? id);

    /// <summary>Stops the running plan and starts <paramref name="plan"/>; <paramref name="atStartup"/>: the same plan
    /// already running (another gateway started it) is kept.</summary>
    Task<(PlanView Plan, IReadOnlyList<FaultView> Faults)> StartPlanAsync(ChaosPlan plan, bool atStartup = false);

    Task<bool> StopPlanAsync();

    Task<IReadOnlyList<FaultView>> FaultsAsync();

    Task<ChaosTimeline> TimelineAsync();

    Task<IReadOnlyList<Injection>> InjectionsAsync(int limit);

    /// <summary>Records of Updates faults cost: the newest <paramref name="limit"/>, or those after <paramref name="since"/>.</summary>
    Task<DropPage> DropsAsync(long? since, int limit, string? requestIdPrefix);
}
