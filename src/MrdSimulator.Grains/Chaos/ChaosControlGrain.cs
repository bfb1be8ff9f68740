using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.GrainInterfaces.Chaos;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Chaos;

/// <summary>
/// The cluster's chaos plan. Admin changes from any gateway are ordered here, checked with the same rules as the
/// embedded engine, stored (a silo failure keeps the plan), and told to every process that joined; processes renew
/// their membership and reconcile with the answer, so one that missed a change catches up within a renewal. Windows
/// are absolute instants on the grains' clock, so every process opens and closes them at the same moment.
/// </summary>
[KeepAlive]
public sealed partial class ChaosControlGrain(
    [PersistentState("chaos", StorageNames.Grains)] IPersistentState<ChaosControlState> state,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<ChaosControlGrain> log) : Grain, IChaosControlGrain
{
    /// <summary>A process that has not renewed for this long is no longer told of changes (processes renew every 10 s).</summary>
    public static readonly TimeSpan ReplicaLease = TimeSpan.FromSeconds(30);

    /// <summary>Ended windows are kept this long for the timelines of processes that join late.</summary>
    private static readonly TimeSpan EndedKept = TimeSpan.FromMinutes(30);

    private readonly Dictionary<GrainId, Replica> _replicas = [];
    private readonly long _epoch = Random.Shared.NextInt64(1, long.MaxValue);
    private long _joins;
    private long _leaderVersion;
    private string? _leader;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Leases run on real time (they are about processes); lapsed ones are dropped and a new leader chosen.
        this.RegisterGrainTimer(static grain => grain.ExpireReplicasAsync(), this, new GrainTimerCreationOptions(ReplicaLease / 3, ReplicaLease / 3) { Interleave = false });
        return Task.CompletedTask;
    }

    public Task<ChaosClusterState> JoinAsync(IChaosReplica replica, ChaosNode node)
    {
        var id = replica.GetGrainId();
        var expires = Environment.TickCount64 + (long)ReplicaLease.TotalMilliseconds;
        if (_replicas.TryGetValue(id, out var known))
        {
            _replicas[id] = known with { Expires = expires };
            return Task.FromResult(Snapshot());
        }

        _replicas[id] = new Replica(replica, node, expires, ++_joins);
        LogJoined(node.Name, node.Role);
        ChooseLeader();
        var snapshot = Snapshot();
        Broadcast(snapshot, except: id);
        return Task.FromResult(snapshot);
    }

    public Task LeaveAsync(IChaosReplica replica)
    {
        if (_replicas.Remove(replica.GetGrainId()))
        {
            ChooseLeader();
            Broadcast(Snapshot());
        }

        return Task.CompletedTask;
    }

    public Task<ChaosClusterState> GetAsync() => Task.FromResult(Snapshot());

    public Task<long> NextAdminIdAsync() => Task.FromResult(state.State.NextAdminId);

    public async Task<ChaosChange> AddAsync(ImmutableArray<FaultSpec> specs, string source, ulong seed, long firstAdminId, int adminIdsUsed)
    {
        var stored = state.State;
        if (adminIdsUsed > 0 && firstAdminId != stored.NextAdminId)
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false, Stale: true);
        }

        var now = clock.GetUtcNow();
        if (Refuse(specs, now) is { } conflict)
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false, conflict);
        }

        var (entries, orders) = Entries(specs, source, seed, stored.NextOrder, now);
        await SaveAsync(stored with
        {
            Faults = Prune(stored.Faults, now).AddRange(entries),
            NextOrder = stored.NextOrder + entries.Length,
            NextAdminId = stored.NextAdminId + adminIdsUsed,
            Origin = stored.Origin ?? now,
        });
        return new ChaosChange(Snapshot(), orders, 0, Changed: true);
    }

    public async Task<ChaosChange> ClearAsync(string? id)
    {
        var stored = state.State;
        var now = clock.GetUtcNow();
        var cleared = stored.Faults.Where(f => !HasEnded(f, now) && (id is null || f.Spec.Id == id)).ToImmutableArray();
        if (cleared.IsEmpty && (id is not null || stored.Plan is null))
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false);
        }

        await SaveAsync(stored with
        {
            Faults = Prune(stored.Faults, now).RemoveAll(cleared.Contains),
            Plan = id is null ? null : stored.Plan,
        });
        return new ChaosChange(Snapshot(), [], cleared.Length, Changed: true);
    }

    public async Task<ChaosChange> StartPlanAsync(ChaosPlan plan, bool keepIfRunning)
    {
        var stored = state.State;
        if (keepIfRunning && stored.Plan is { } running && running.Name == plan.Name && running.Seed == plan.Seed && running.Faults == plan.Faults.Count)
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false);
        }

        var now = clock.GetUtcNow();
        var kept = Prune(stored.Faults, now).RemoveAll(f => f.Source == "plan" && !HasEnded(f, now));
        var withoutPlan = stored with { Faults = kept, Plan = null };
        // A plan given at start-up may name processes that have not joined yet.
        if (Refuse([.. plan.Faults], now, kept, checkTargets: !keepIfRunning) is { } conflict)
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false, conflict);
        }

        var (entries, orders) = Entries([.. plan.Faults], "plan", plan.Seed, stored.NextOrder, now);
        LogPlanStarted(plan.Name, plan.Seed, plan.Faults.Count);
        await SaveAsync(withoutPlan with
        {
            Faults = kept.AddRange(entries),
            NextOrder = stored.NextOrder + entries.Length,
            Plan = new ChaosPlanEntry(plan.Name, plan.Seed, now, plan.Length?.TotalSeconds, plan.Faults.Count),
            Origin = now,
        });
        return new ChaosChange(Snapshot(), orders, stored.Faults.Length - kept.Length, Changed: true);
    }

    public async Task<ChaosChange> StopPlanAsync()
    {
        var stored = state.State;
        var now = clock.GetUtcNow();
        var kept = Prune(stored.Faults, now).RemoveAll(f => f.Source == "plan" && !HasEnded(f, now));
        if (stored.Plan is null && kept.Length == stored.Faults.Length)
        {
            return new ChaosChange(Snapshot(), [], 0, Changed: false);
        }

        await SaveAsync(stored with { Faults = kept, Plan = null });
        return new ChaosChange(Snapshot(), [], stored.Faults.Length - kept.Length, Changed: true);
    }

    /// <summary>Ids and failover windows against the faults not yet over; process faults must name a process that joined.</summary>
    private string? Refuse(ImmutableArray<FaultSpec> specs, DateTimeOffset now, ImmutableArray<ChaosFaultEntry>? faults = null, bool checkTargets = true)
    {
        var existing = (faults ?? state.State.Faults).Where(f => !HasEnded(f, now))
            .Select(f => new ScheduledFault(f.Spec.Id, f.Spec.Kind, f.ScheduledStart, f.ScheduledEnd)).ToList();
        if (ChaosConflicts.Find(existing, specs, now) is { } conflict)
        {
            return conflict;
        }

        foreach (var spec in specs.Where(s => checkTargets && s.Kind.IsProcess()))
        {
            var role = spec.Kind == FaultKind.SiloKill ? "silo" : "gateway";
            var nodes = _replicas.Values.Where(r => r.Node.Role == role).Select(r => r.Node.Name).Order(StringComparer.Ordinal).ToList();
            if (!nodes.Contains(spec.Target!, StringComparer.Ordinal))
            {
                return $"{spec.Kind.ToWire()} '{spec.Id}': no {role} named '{spec.Target}' is in the cluster ({(nodes.Count == 0 ? "none" : string.Join(", ", nodes))})";
            }
        }

        return null;
    }

    private static (ImmutableArray<ChaosFaultEntry> Entries, ImmutableArray<long> Orders) Entries(
        ImmutableArray<FaultSpec> specs, string source, ulong seed, long firstOrder, DateTimeOffset now)
    {
        var entries = specs.Select((spec, i) =>
            new ChaosFaultEntry(spec, source, spec.Seed ?? ChaosRandom.FaultSeed(seed, spec.Id), firstOrder + i, now + spec.At)).ToImmutableArray();
        return (entries, [.. entries.Select(e => e.Order)]);
    }

    private static bool HasEnded(ChaosFaultEntry fault, DateTimeOffset now) => fault.ScheduledEnd is { } end && end <= now;

    private static ImmutableArray<ChaosFaultEntry> Prune(ImmutableArray<ChaosFaultEntry> faults, DateTimeOffset now) =>
        faults.RemoveAll(f => f.ScheduledEnd is { } end && end + EndedKept < now);

    private async Task SaveAsync(ChaosControlState next)
    {
        var stored = state.State;
        state.State = next with { Version = stored.Version + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = stored;
            throw;
        }

        Broadcast(Snapshot());
    }

    private ChaosClusterState Snapshot()
    {
        var s = state.State;
        return new ChaosClusterState(
            s.Version * 1_000_000 + _leaderVersion, s.Faults, s.Plan, s.Origin, _leader,
            [.. _replicas.Values.OrderBy(r => r.Joined).Select(r => r.Node)], _epoch);
    }

    /// <summary>The longest-joined live process performs the one-off actions on grains.</summary>
    private void ChooseLeader()
    {
        var leader = _replicas.Values.OrderBy(r => r.Joined).FirstOrDefault()?.Node.Name;
        if (leader != _leader)
        {
            _leader = leader;
            _leaderVersion++;
        }
    }

    private Task ExpireReplicasAsync()
    {
        var now = Environment.TickCount64;
        var lapsed = _replicas.Where(r => r.Value.Expires <= now).ToList();
        foreach (var (id, replica) in lapsed)
        {
            _replicas.Remove(id);
            LogLapsed(replica.Node.Name);
        }

        if (lapsed.Count > 0)
        {
            ChooseLeader();
            Broadcast(Snapshot());
        }

        return Task.CompletedTask;
    }

    /// <summary>Best effort: a process that misses this hears it at its next renewal.</summary>
    private void Broadcast(ChaosClusterState snapshot, GrainId? except = null)
    {
        foreach (var (id, replica) in _replicas)
        {
            if (id != except)
            {
                replica.Observer.ChangedAsync(snapshot).Ignore();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chaos: {Node} ({Role}) follows the cluster's plan")]
    private partial void LogJoined(string node, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos: {Node} stopped renewing; it no longer follows the plan")]
    private partial void LogLapsed(string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos plan '{Plan}' started for the cluster: seed {Seed}, {Count} faults")]
    private partial void LogPlanStarted(string plan, ulong seed, int count);

    private sealed record Replica(IChaosReplica Observer, ChaosNode Node, long Expires, long Joined);
}

/// <summary>The stored part of the cluster's chaos plan.</summary>
[GenerateSerializer, Alias("ChaosControlState")]
public sealed record ChaosControlState
{
    [Id(0)]
    public long Version { get; init; }

    [Id(1)]
    public ImmutableArray<ChaosFaultEntry> Faults { get; init; } = [];

    [Id(2)]
    public ChaosPlanEntry? Plan { get; init; }

    [Id(3)]
    public DateTimeOffset? Origin { get; init; }

    [Id(4)]
    public long NextOrder { get; init; } = 1;

    [Id(5)]
    public long NextAdminId { get; init; } = 1;
}
