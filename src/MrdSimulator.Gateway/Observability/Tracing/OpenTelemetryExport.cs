using System.Globalization;
using MrdSimulator.Gateway.Observability.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MrdSimulator.Gateway.Observability.Tracing;

/// <summary>
/// OTLP export of metrics and traces, configured by the standard OTEL_* variables (read from the app's
/// configuration, which includes the environment). Nothing is built, so nothing listens and nothing is
/// exported, unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or the per-signal
/// OTEL_EXPORTER_OTLP_METRICS_ENDPOINT / _TRACES_ENDPOINT).
/// </summary>
public sealed class OpenTelemetryExport : IDisposable
{
    public const string DefaultServiceName = "mrd-simulator";

    private OpenTelemetryExport(MeterProvider? meters, TracerProvider? tracer)
    {
        Meters = meters;
        Tracer = tracer;
    }

    public MeterProvider? Meters { get; }

    public TracerProvider? Tracer { get; }

    public static OpenTelemetryExport Start(IConfiguration configuration, IReadOnlyList<string> meterNames)
    {
        if (IsTrue(configuration["OTEL_SDK_DISABLED"]))
        {
            return new OpenTelemetryExport(null, null);
        }

        var anyEndpoint = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var exportMetrics = (anyEndpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
            && !IsNone(configuration["OTEL_METRICS_EXPORTER"]);
        var exportTraces = (anyEndpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]))
            && !IsNone(configuration["OTEL_TRACES_EXPORTER"]);
        if (!exportMetrics && !exportTraces)
        {
            return new OpenTelemetryExport(null, null);
        }

        var settings = WithSpecDefaults(configuration);
        var resource = ResourceBuilder.CreateDefault()
            .AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName,
                serviceVersion: typeof(OpenTelemetryExport).Assembly.GetName().Version?.ToString());

        MeterProvider? meters = null;
        if (exportMetrics)
        {
            var builder = Sdk.CreateMeterProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(settings))
                .SetResourceBuilder(resource)
                .AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricsSetup.RequestDurationBuckets] });
            foreach (var meter in meterNames)
            {
                builder.AddMeter(meter);
            }

            meters = builder.AddOtlpExporter().Build();
        }

        TracerProvider? tracer = null;
        if (exportTraces)
        {
            tracer = Sdk.CreateTracerProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(settings))
                .SetResourceBuilder(resource)
                .SetSampler(Sampler(settings))
                .AddSource(SimulatorActivity.SourceName, "Microsoft.AspNetCore", "Microsoft.Orleans.*")
                .AddOtlpExporter()
                .Build();
        }

        return new OpenTelemetryExport(meters, tracer);
    }

    public void Dispose()
    {
        Meters?.Dispose();
        Tracer?.Dispose();
    }

    /// <summary>Traces per second the default sampler keeps.</summary>
    public const double DefaultTracesPerSecond = 100;

    /// <summary>
    /// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG with the specification's values, plus <c>ratelimited</c> /
    /// <c>parentbased_ratelimited</c> (ARG = traces per second). Unset, we use parentbased_ratelimited at 100/s
    /// rather than the specification's parentbased_always_on: recording and exporting every span of a load test
    /// costs about a third of the simulator's throughput (docs/observability.md, Benchmarks).
    /// </summary>
    internal static Sampler Sampler(IConfiguration configuration)
    {
        var arg = double.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ? a : (double?)null;
        var ratio = arg is >= 0 and <= 1 ? arg.Value : 1.0;
        var perSecond = arg is > 0 ? arg.Value : DefaultTracesPerSecond;
        return (configuration["OTEL_TRACES_SAMPLER"] ?? string.Empty).Trim().ToLowerInvariant() switch
        {
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
            "ratelimited" => new RateLimitingSampler(perSecond),
            _ => new ParentBasedSampler(new RateLimitingSampler(perSecond)),
        };
    }

    /// <summary>
    /// The specification's default protocol is http/protobuf (port 4318); the .NET exporter's own default is
    /// gRPC. Without OTEL_EXPORTER_OTLP_PROTOCOL we follow the specification.
    /// </summary>
    private static IConfiguration WithSpecDefaults(IConfiguration configuration)
    {
        var defaults = new Dictionary<string, string?>();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]))
        {
            defaults["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        }

        return new ConfigurationBuilder().AddInMemoryCollection(defaults).AddConfiguration(configuration).Build();
    }

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static bool IsNone(string? value) => string.Equals(value?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
