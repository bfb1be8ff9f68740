using System.Collections.Immutable;

namespace MrdSimulator.GrainInterfaces.Statistics;

/// <summary>
/// The figures of one MRD (key: MRD id): capacity counters, agents per state, and who is signed in. Fed by every
/// silo's outbox with <see cref="MrdStatsDelta"/>s; it never calls another grain, so anything may wait on it.
/// </summary>
[Alias("IMrdStatsGrain")]
public interface IMrdStatsGrain : IGrainWithIntegerKey
{
    [Alias("Apply")]
    ValueTask ApplyAsync(MrdStatsDelta delta);

    [ReadOnly]
    [Alias("GetCapacity")]
    ValueTask<CapacitySnapshot> GetCapacityAsync();

    /// <summary>The capacity figures with the distribution of queue waits, for the task metrics.</summary>
    [ReadOnly]
    [Alias("GetTaskFigures")]
    ValueTask<MrdTaskFigures> GetTaskFiguresAsync();

    /// <summary>Mean handle time of the tasks handled so far (0 before the first), for queue wait estimates.</summary>
    [ReadOnly]
    [Alias("GetAverageHandleSeconds")]
    ValueTask<double> GetAverageHandleSecondsAsync();

    [ReadOnly]
    [Alias("GetAgents")]
    ValueTask<MrdAgents> GetAgentsAsync();

    /// <summary>The users signed in to this MRD, ordered by id.</summary>
    [ReadOnly]
    [Alias("GetSignedIn")]
    ValueTask<ImmutableArray<string>> GetSignedInAsync();
}

/// <summary>Capacity figures of one MRD at one moment (<c>GET /admin/capacity</c>).</summary>
[GenerateSerializer, Immutable, Alias("CapacitySnapshot")]
public sealed record CapacitySnapshot(
    int MrdId,
    string MrdName,
    long Submitted,
    long Offered,
    long Routed,
    long Handled,
    long Transferred,
    long Abandoned,
    long Expired,
    long Ronas,
    int Queued,
    double AverageWaitSeconds,
    double P90WaitSeconds,
    int ServiceLevelThresholdSeconds,
    double? ServiceLevel,
    double? AgentOccupancy,
    double StaffedAgentSeconds,
    double BusyAgentSeconds,
    double AverageHandleSeconds);

/// <summary>An MRD's capacity figures and how its queue waits are distributed (the task metrics).</summary>
/// <param name="WaitBounds">Upper bounds of the wait buckets in seconds, inclusive, ascending, without +Inf.</param>
/// <param name="WaitCounts">Waits per bucket, not cumulative: one more than <paramref name="WaitBounds"/>, the last for waits above the last bound.</param>
/// <param name="WaitSeconds">The sum of every wait.</param>
[GenerateSerializer, Immutable, Alias("MrdTaskFigures")]
public sealed record MrdTaskFigures(CapacitySnapshot Capacity, ImmutableArray<double> WaitBounds, ImmutableArray<long> WaitCounts, double WaitSeconds);

/// <summary>Agents of one MRD per state (by <see cref="Domain.Media.AgentState"/> value), counting never-signed-in agents as LOGOUT.</summary>
[GenerateSerializer, Immutable, Alias("MrdAgents")]
public sealed record MrdAgents(int MrdId, int Assigned, ImmutableArray<int> States, int SignedIn);
