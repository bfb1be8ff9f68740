using System.Diagnostics.Metrics;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>Which meters the simulator exports, and <c>GET /metrics</c>.</summary>
public static class MetricsSetup
{
    /// <summary>
    /// Every meter named <c>MrdSimulator</c> or <c>MrdSimulator.*</c> (so a feature's new meter is exported
    /// without registration), ASP.NET Core's hosting and Kestrel meters, and the runtime's.
    /// </summary>
    public static IReadOnlyList<string> MeterNames { get; } =
        ["MrdSimulator", "MrdSimulator.*", "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>Finer than ASP.NET Core's advice (5 ms first bucket), since simulator requests take well under a millisecond.</summary>
    public static IReadOnlyList<double> RequestDurationBuckets => MetricCollector.SecondsBuckets;

    /// <summary>
    /// Meters created through an <see cref="IMeterFactory"/> (ASP.NET Core's) are accepted only from this
    /// host's factory, so two hosts in one process (tests) do not count each other's requests.
    /// </summary>
    public static bool Accepts(Meter meter, IMeterFactory? ownFactory)
    {
        if (meter.Scope is IMeterFactory factory && ownFactory is not null && !ReferenceEquals(factory, ownFactory))
        {
            return false;
        }

        foreach (var name in MeterNames)
        {
            if (name.EndsWith(".*", StringComparison.Ordinal)
                ? meter.Name.StartsWith(name[..^1], StringComparison.Ordinal)
                : meter.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The meter filter for this host (the factory is captured now: the callback can outlive the container).</summary>
    public static Func<Meter, bool> Filter(IMeterFactory? ownFactory) => meter => Accepts(meter, ownFactory);

    /// <summary>Histograms kept by grains, published as counters (OTLP) and shown as histograms (<c>/metrics</c>, dashboard).</summary>
    public static IReadOnlyList<HistogramView> HistogramViews { get; } = [TaskCensus.WaitHistogram];

    public static IReadOnlyList<double>? BucketsFor(Instrument instrument) =>
        instrument.Name == "http.server.request.duration" ? RequestDurationBuckets : null;

    /// <summary>In a cluster every process serves its own /metrics: each series says which role the process plays.</summary>
    private static IEnumerable<MetricFamily> Labelled(IEnumerable<MetricFamily> families, Configuration.SimulatorRole role)
    {
        var label = new KeyValuePair<string, object?>("role", role.ToString().ToLowerInvariant());
        return families.Select(f => f with { Series = [.. f.Series.Select(s => s with { Tags = [.. s.Tags, label] })] });
    }

    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (HttpContext context, MetricCollector collector, IEnumerable<IGrainMetricSource> sources) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            await RefreshAsync(sources, context.RequestAborted);
            var role = context.RequestServices.GetRequiredService<Configuration.SimulatorOptions>().Role;
            var families = collector.Collect();
            return Results.Text(PrometheusFormatter.Write(role == Configuration.SimulatorRole.All ? families : Labelled(families, role)), PrometheusFormatter.ContentType);
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>Fresh figures from the grains before a collection (callbacks alone would report a second-old reading).</summary>
    public static Task RefreshAsync(IEnumerable<IGrainMetricSource> sources, CancellationToken cancellationToken) =>
        Task.WhenAll(sources.Select(s => s.RefreshAsync(cancellationToken)));
}
