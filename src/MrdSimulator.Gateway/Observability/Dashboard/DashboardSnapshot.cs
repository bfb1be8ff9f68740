using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Health;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Grains;

namespace MrdSimulator.Gateway.Observability.Dashboard;

/// <summary>
/// <c>GET /dashboard/snapshot.json</c>: everything the page shows, in one document. Aggregates only —
/// counts, rates, latencies, route templates — so it carries no user ids, passwords or message bodies.
/// </summary>
public sealed record DashboardSnapshot(
    int Version,
    DateTimeOffset GeneratedAt,
    double UptimeSeconds,
    ServiceSummary Service,
    AgentSummary Agents,
    HttpSummary Http,
    NotificationSummary Notifications,
    GrainSummary Grains,
    IReadOnlyList<DashboardSample> History,
    IReadOnlyList<DashboardSection> Sections);

public sealed record ServiceSummary(string Status, bool Ready, IReadOnlyList<CheckSummary> Checks);

public sealed record CheckSummary(string Name, string Status, string? Description);

/// <param name="States">Every agent state in display order (wire names).</param>
public sealed record AgentSummary(bool Available, IReadOnlyList<string> States, IReadOnlyList<MrdSummary> Mrds);

public sealed record MrdSummary(int Id, string Name, int Assigned, int SignedIn, IReadOnlyDictionary<string, int> States);

public sealed record HttpSummary(long RequestsTotal, double RequestsPerSecond, LatencyMs? LatencyMs, IReadOnlyList<RouteSummary> Routes);

public sealed record RouteSummary(string Method, string Route, string Status, long Count);

public sealed record NotificationSummary(long Published, long Delivered, long Dropped, double PublishedPerSecond, double DeliveredPerSecond);

public sealed record GrainSummary(long Active, long Activations, long Deactivations, long MailboxDepth, long MailboxRejections, double? TurnP99Ms);

public sealed class DashboardSnapshotBuilder(
    MetricCollector collector,
    AgentCensus census,
    DashboardHistory history,
    Silo silo,
    ServiceStatus status,
    HealthCheckService health,
    IEnumerable<IDashboardSection> sections,
    TimeProvider time)
{
    private static readonly DateTime Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    private static readonly string[] StateOrder =
        [.. new[] { AgentState.Ready, AgentState.NotReady, AgentState.Login, AgentState.Reserved, AgentState.Active, AgentState.Paused,
            AgentState.Interrupted, AgentState.WorkReady, AgentState.WorkNotReady, AgentState.Work, AgentState.Logout }.Select(s => s.ToWire())];

    public async Task<DashboardSnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(HealthEndpoints.ReadyTag), cancellationToken);
        var metrics = collector.Collect();
        var (samples, latency, _) = history.Read();
        var requestsTotal = DashboardHistory.FinesseRequests(metrics).Count;
        var last = samples.Count > 0 ? samples[^1] : null;

        var counts = census.Count();
        var agents = new AgentSummary(
            census.Available,
            StateOrder,
            [.. counts.Mrds.Select(m => new MrdSummary(m.Id, m.Name, m.Assigned, m.SignedIn, m.States.ToDictionary(s => s.Key.ToWire(), s => s.Value)))]);

        var routes = Find(metrics, "http.server.request.duration")?.Series
            .Select(s => new RouteSummary(s.Tag("http.request.method") ?? "?", s.Tag("http.route") ?? "(unmatched)", s.Tag("http.response.status_code") ?? "?", s.Count))
            .GroupBy(r => (r.Method, r.Route, r.Status))
            .Select(g => g.First() with { Count = g.Sum(r => r.Count) })
            .OrderByDescending(r => r.Count)
            .Take(12)
            .ToList() ?? [];

        var turns = Find(metrics, "mrdsim.grain.turn.duration");
        var turnP99 = turns is { Bounds: { } bounds } ? Percentiles.Quantile(0.99, bounds, Percentiles.Merge(turns.Series.Select(s => s.Buckets!))) : null;
        var grains = new GrainSummary(
            silo.Runtime.Metrics.ActiveCount,
            (long)Total(metrics, "mrdsim.grain.activations"),
            (long)Total(metrics, "mrdsim.grain.deactivations"),
            silo.Runtime.Metrics.MailboxDepth,
            silo.Runtime.Metrics.RejectedTotal,
            turnP99 is { } p ? Math.Round(p * 1000, 3) : null);

        var context = new DashboardContext(metrics);
        var extra = new List<DashboardSection>();
        foreach (var section in sections)
        {
            try
            {
                if (section.Collect(context) is { } collected)
                {
                    extra.Add(collected);
                }
            }
            catch (Exception ex)
            {
                // One feature's broken section must not blank the whole dashboard.
                extra.Add(new DashboardSection(section.Id, section.Id, [], new DashboardTable(["Error"], [[ex.GetType().Name]])));
            }
        }

        return new DashboardSnapshot(
            1,
            time.GetUtcNow(),
            Math.Round(Math.Max(0, (DateTime.UtcNow - Started).TotalSeconds), 1),
            new ServiceSummary(status.Wire, report.Status != HealthStatus.Unhealthy,
                [.. report.Entries.Select(e => new CheckSummary(e.Key, e.Value.Status.ToString(), e.Value.Description))]),
            agents,
            new HttpSummary(requestsTotal, last?.RequestsPerSecond ?? 0, latency, routes),
            new NotificationSummary(silo.Hub.PublishedTotal, silo.Hub.DeliveredTotal, silo.Hub.DroppedTotal, last?.PublishedPerSecond ?? 0, last?.DeliveredPerSecond ?? 0),
            grains,
            samples,
            [.. extra.OrderBy(s => s.Order).ThenBy(s => s.Id, StringComparer.Ordinal)]);
    }

    private static MetricFamily? Find(IReadOnlyList<MetricFamily> metrics, string name) => metrics.FirstOrDefault(m => m.Name == name);

    private static double Total(IReadOnlyList<MetricFamily> metrics, string name) => metrics.Where(m => m.Name == name).Sum(m => m.Total);
}
