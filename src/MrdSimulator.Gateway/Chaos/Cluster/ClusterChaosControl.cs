using MrdSimulator.Domain.Chaos;
using MrdSimulator.GrainInterfaces.Chaos;

namespace MrdSimulator.Gateway.Chaos.Cluster;

/// <summary>
/// Chaos for a gateway of a cluster: changes are made by the cluster's chaos grain, which orders them and tells every
/// process; this gateway applies the answer at once, so a fault it added is active here when the call returns (and on
/// the other processes within their next notification). Reads show the cluster: counts and records from its log.
/// </summary>
public sealed class ClusterChaosControl(IGrainFactory grains, ChaosEngine engine, ChaosReplica replica, RedisChaosLog log) : IChaosControl
{
    /// <summary>Times an add is named again when another admin call took its fault numbers first.</summary>
    private const int NamingAttempts = 5;

    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

    private IChaosControlGrain Control => grains.GetGrain<IChaosControlGrain>(0);

    public async Task<IReadOnlyList<FaultView>> AddAsync(Func<Func<int, string>, IReadOnlyList<FaultSpec>> parse)
    {
        for (var attempt = 0; attempt < NamingAttempts; attempt++)
        {
            var first = await Control.NextAdminIdAsync();
            var used = 0;
            var specs = parse(_ => "a" + (first + used++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var change = await Control.AddAsync([.. specs], "admin", engine.AdminSeed, first, used);
            if (change.Stale)
            {
                continue;
            }

            var added = await ApplyAsync(change);
            return engine.Faults(added);
        }

        throw new ChaosConflictException("other admin calls kept taking the fault ids; try again");
    }

    public async Task<int> ClearAsync(string? id)
    {
        var change = await Control.ClearAsync(id);
        await ApplyAsync(change);
        return change.Cleared;
    }

    public async Task<(PlanView Plan, IReadOnlyList<FaultView> Faults)> StartPlanAsync(ChaosPlan plan, bool atStartup = false)
    {
        var change = await Control.StartPlanAsync(plan, keepIfRunning: atStartup);
        var added = await ApplyAsync(change);
        var view = engine.Timeline().Plan ?? throw new InvalidOperationException("The cluster's plan did not start");
        return (view, change.Added.IsEmpty ? engine.Faults().Where(f => f.Source == "plan").ToList() : engine.Faults(added));
    }

    public async Task<bool> StopPlanAsync()
    {
        var change = await Control.StopPlanAsync();
        await ApplyAsync(change);
        return change.Changed;
    }

    public async Task<IReadOnlyList<FaultView>> FaultsAsync()
    {
        var totals = await TotalsAsync();
        return [.. engine.Faults().Select(f => f with { Injected = totals.InjectedByFault.GetValueOrDefault(f.Id) })];
    }

    public async Task<ChaosTimeline> TimelineAsync()
    {
        var totals = await TotalsAsync();
        var local = engine.Timeline();
        return local with
        {
            Windows = [.. local.Windows.Select(w => w with
            {
                Injected = totals.InjectedByFault.GetValueOrDefault(w.Id),
                Undelivered = totals.UndeliveredByFault.GetValueOrDefault(w.Id),
            })],
            InjectedByKind = totals.InjectedByKind,
            NotificationsDropped = totals.InjectedByKind.GetValueOrDefault(FaultKind.NotificationDrop.ToWire()),
            SessionsDropped = totals.SessionsDropped,
        };
    }

    public async Task<IReadOnlyList<Injection>> InjectionsAsync(int limit)
    {
        await replica.FlushAsync(FlushTimeout);
        return await log.InjectionsAsync(limit);
    }

    public async Task<DropPage> DropsAsync(long? since, int limit, string? requestIdPrefix)
    {
        await replica.FlushAsync(FlushTimeout);
        return since is { } from ? await log.DropsSinceAsync(from, limit, requestIdPrefix) : await log.DropsLastAsync(limit);
    }

    private async Task<ChaosLogTotals> TotalsAsync()
    {
        await replica.FlushAsync(FlushTimeout);
        return await log.TotalsAsync();
    }

    /// <summary>Applies the grain's answer here at once (the other processes hear of it from the grain).</summary>
    private async Task<HashSet<long>> ApplyAsync(ChaosChange change)
    {
        if (change.Conflict is { } conflict)
        {
            throw new ChaosConflictException(conflict);
        }

        await engine.ReconcileAsync(change.State);
        return [.. change.Added];
    }
}
