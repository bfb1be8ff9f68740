using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Gateway.Notifications;

namespace MrdSimulator.Gateway.Observability.Dashboard;

/// <summary>
/// Samples request and notification totals once a second (synchronous instruments only, so the agent
/// census does not run) and keeps two minutes of rates and latency percentiles, so a freshly opened
/// dashboard has history to draw.
/// </summary>
public sealed class DashboardHistory(MetricCollector collector, NotificationHub hub, TimeProvider time) : BackgroundService
{
    public const int Capacity = 120;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Headline percentiles cover this many samples, so one quiet second does not blank them.</summary>
    private const int LatencyWindow = 10;

    private static readonly string[] OperationalRoutes = ["/dashboard", "/metrics", "/health"];

    private readonly Lock _gate = new();
    private readonly Queue<Totals> _totals = new();
    private readonly Queue<DashboardSample> _samples = new();

    /// <summary>Cumulative values at one instant.</summary>
    private sealed record Totals(DateTimeOffset At, long Requests, long[] Buckets, long Published, long Delivered);

    public IReadOnlyList<double> Bounds => MetricsSetup.RequestDurationBuckets;

    public (IReadOnlyList<DashboardSample> Samples, LatencyMs? Latency, long RequestsTotal) Read()
    {
        lock (_gate)
        {
            if (_totals.Count == 0)
            {
                return ([], null, 0);
            }

            var last = _totals.Last();
            var first = _totals.ElementAt(Math.Max(0, _totals.Count - 1 - LatencyWindow));
            var delta = Percentiles.Subtract(last.Buckets, first == last ? null : first.Buckets);
            return ([.. _samples], Latency(delta), last.Requests);
        }
    }

    /// <summary>Updates the grains of this process published (the silo's counter; 0 in a process without a silo).</summary>
    public static long PublishedTotal(IReadOnlyList<MetricFamily> metrics) =>
        (long)metrics.Where(m => m.Name == "mrdsim.notifications.published").Sum(m => m.Total);

    /// <summary>Takes one sample now (the background loop calls it every second; tests call it directly).</summary>
    public void Sample()
    {
        var metrics = collector.Collect(observe: false);
        var (requests, buckets) = FinesseRequests(metrics);
        var now = new Totals(time.GetUtcNow(), requests, buckets, PublishedTotal(metrics), hub.DeliveredTotal);
        lock (_gate)
        {
            if (_totals.Count > 0)
            {
                var previous = _totals.Last();
                var seconds = Math.Max(0.001, (now.At - previous.At).TotalSeconds);
                _samples.Enqueue(new DashboardSample(
                    now.At,
                    Math.Round((now.Requests - previous.Requests) / seconds, 2),
                    Math.Round((now.Published - previous.Published) / seconds, 2),
                    Math.Round((now.Delivered - previous.Delivered) / seconds, 2),
                    Latency(Percentiles.Subtract(now.Buckets, previous.Buckets))));
                if (_samples.Count > Capacity)
                {
                    _samples.Dequeue();
                }
            }

            _totals.Enqueue(now);
            if (_totals.Count > Capacity + 1)
            {
                _totals.Dequeue();
            }
        }
    }

    /// <summary>Requests and their duration buckets, leaving out the operational endpoints (this page's own polling among them).</summary>
    public static (long Count, long[] Buckets) FinesseRequests(IReadOnlyList<MetricFamily> families)
    {
        var bounds = MetricsSetup.RequestDurationBuckets;
        var buckets = new long[bounds.Count + 1];
        long requests = 0;
        foreach (var family in families)
        {
            if (family.Name != "http.server.request.duration" || family.Bounds is null || family.Bounds.Count != bounds.Count)
            {
                continue;
            }

            foreach (var series in family.Series)
            {
                if (series.Tag("http.route") is { } route && OperationalRoutes.Any(p => route.StartsWith(p, StringComparison.Ordinal)))
                {
                    continue;
                }

                requests += series.Count;
                for (var i = 0; i < buckets.Length; i++)
                {
                    buckets[i] += series.Buckets![i];
                }
            }
        }

        return (requests, buckets);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        Sample();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private LatencyMs? Latency(long[] delta)
    {
        var p50 = Percentiles.Quantile(0.50, Bounds, delta);
        return p50 is null ? null : new LatencyMs(Ms(p50), Ms(Percentiles.Quantile(0.95, Bounds, delta)), Ms(Percentiles.Quantile(0.99, Bounds, delta)));
    }

    private static double Ms(double? seconds) => Math.Round((seconds ?? 0) * 1000, 3);
}

/// <summary>One second of activity. Latency is null when no request finished in that second.</summary>
public sealed record DashboardSample(DateTimeOffset At, double RequestsPerSecond, double PublishedPerSecond, double DeliveredPerSecond, LatencyMs? Latency);

public sealed record LatencyMs(double P50, double P95, double P99);
