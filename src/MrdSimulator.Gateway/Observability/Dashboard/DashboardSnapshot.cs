using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Health;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.SystemInfo;

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

/// <param name="Rejected">Grain calls Orleans refused (a full grain answers 503).</param>
/// <param name="CallP99Ms">99th percentile of grain call latency, from Orleans' own histogram.</param>
public sealed record GrainSummary(long Active, long Activations, long Deactivations, long Rejected, double? CallP99Ms);

public sealed class DashboardSnapshotBuilder(
    MetricCollector collector,
    AgentCensus census,
    IEnumerable<IGrainMetricSource> grainMetrics,
    DashboardHistory history,
    NotificationHub hub,
    ServiceStatus status,
    HealthCheckService health,
    IEnumerable<IDashboardSection> sections,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time)
{
    private static readonly DateTime Started = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    private static readonly string[] StateOrder =
        [.. new[] { AgentState.Ready, AgentState.NotReady, AgentState.Login, AgentState.Reserved, AgentState.Active, AgentState.Paused,
            AgentState.Interrupted, AgentState.WorkReady, AgentState.WorkNotReady, AgentState.Work, AgentState.Logout }.Select(s => s.ToWire())];

    public async Task<DashboardSnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(HealthEndpoints.ReadyTag), cancellationToken);
        await MetricsSetup.RefreshAsync(grainMetrics, cancellationToken);
        var metrics = collector.Collect();
        var (samples, latency, _) = history.Read();
        var requestsTotal = DashboardHistory.FinesseRequests(metrics).Count;
        var last = samples.Count > 0 ? samples[^1] : null;

        var counts = await census.CountAsync(cancellationToken);
        var agents = new AgentSummary(
            true,
            StateOrder,
            [.. counts.Mrds.Select(m => new MrdSummary(m.Id, m.Name, m.Assigned, m.SignedIn, m.States.ToDictionary(s => s.Key.ToWire(), s => s.Value)))]);

        var routes = Find(metrics, "http.server.request.duration")?.Series
            .Select(s => new RouteSummary(s.Tag("http.request.method") ?? "?", s.Tag("http.route") ?? "(unmatched)", s.Tag("http.response.status_code") ?? "?", s.Count))
            .GroupBy(r => (r.Method, r.Route, r.Status))
            .Select(g => g.First() with { Count = g.Sum(r => r.Count) })
            .OrderByDescending(r => r.Count)
            .Take(12)
            .ToList() ?? [];

        // Orleans' meter (Microsoft.Orleans): activations, refusals and grain call latency in milliseconds.
        var calls = Find(metrics, "orleans-app-requests-latency");
        var callP99 = calls is { Bounds: { } bounds } ? Percentiles.Quantile(0.99, bounds, Percentiles.Merge(calls.Series.Select(s => s.Buckets!))) : null;
        var grains = new GrainSummary(
            (long)Total(metrics, "orleans-catalog-activations"),
            (long)Total(metrics, "orleans-catalog-activation-created"),
            (long)Total(metrics, "orleans-catalog-activation-destroyed"),
            (long)Total(metrics, "orleans-messaging-rejected"),
            callP99 is { } p ? Math.Round(p, 3) : null);

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
            new NotificationSummary(DashboardHistory.PublishedTotal(metrics), hub.DeliveredTotal, hub.DroppedTotal, last?.PublishedPerSecond ?? 0, last?.DeliveredPerSecond ?? 0),
            grains,
            samples,
            [.. extra.OrderBy(s => s.Order).ThenBy(s => s.Id, StringComparer.Ordinal)]);
    }

    private static MetricFamily? Find(IReadOnlyList<MetricFamily> metrics, string name) => metrics.FirstOrDefault(m => m.Name == name);

    private static double Total(IReadOnlyList<MetricFamily> metrics, string name) => metrics.Where(m => m.Name == name).Sum(m => m.Total);
}
