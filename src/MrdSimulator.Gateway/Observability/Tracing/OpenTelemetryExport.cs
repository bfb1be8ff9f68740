using System.Globalization;
using MrdSimulator.Gateway.Observability.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MrdSimulator.Gateway.Observability.Tracing;

/// <summary>
/// OTLP export of metrics and traces through OpenTelemetry's hosting package, configured by the standard OTEL_*
/// variables (read from the app's configuration, which includes the environment). Nothing is registered, so nothing
/// listens and nothing is exported, unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT, or the per-signal
/// OTEL_EXPORTER_OTLP_METRICS_ENDPOINT / _TRACES_ENDPOINT). Traces join ASP.NET Core's request spans (its
/// instrumentation package), Orleans' grain call spans and the simulator's own.
/// </summary>
public sealed class OpenTelemetryExport(bool metrics, bool traces)
{
    public const string DefaultServiceName = "mrd-simulator";

    /// <summary>Traces per second the default sampler keeps.</summary>
    public const double DefaultTracesPerSecond = 100;

    public bool Metrics { get; } = metrics;

    public bool Traces { get; } = traces;

    public static IServiceCollection AddOpenTelemetryExport(IServiceCollection services, IConfiguration configuration, IReadOnlyList<string> meterNames)
    {
        var export = Decide(configuration);
        services.AddSingleton(export);
        if (!export.Metrics && !export.Traces)
        {
            return services;
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(
            configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName,
            serviceVersion: typeof(OpenTelemetryExport).Assembly.GetName().Version?.ToString()));
        if (export.Metrics)
        {
            otel.WithMetrics(m =>
            {
                foreach (var meter in meterNames)
                {
                    m.AddMeter(meter);
                }

                m.AddView("http.server.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [.. MetricsSetup.RequestDurationBuckets] })
                    .AddOtlpExporter(o => SpecDefaults(o, configuration));
            });
        }

        if (export.Traces)
        {
            otel.WithTracing(t => t
                .SetSampler(Sampler(configuration))
                .AddSource(SimulatorActivity.SourceName, "Microsoft.Orleans.*")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(o => SpecDefaults(o, configuration)));
        }

        return services;
    }

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

    /// <summary>What the OTEL_* settings ask to export.</summary>
    public static OpenTelemetryExport Decide(IConfiguration configuration)
    {
        if (IsTrue(configuration["OTEL_SDK_DISABLED"]))
        {
            return new OpenTelemetryExport(false, false);
        }

        var anyEndpoint = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        return new OpenTelemetryExport(
            (anyEndpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"])) && !IsNone(configuration["OTEL_METRICS_EXPORTER"]),
            (anyEndpoint || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])) && !IsNone(configuration["OTEL_TRACES_EXPORTER"]));
    }

    /// <summary>
    /// The specification's default protocol is http/protobuf (port 4318); the .NET exporter's own default is gRPC.
    /// Without OTEL_EXPORTER_OTLP_PROTOCOL we follow the specification.
    /// </summary>
    private static void SpecDefaults(OtlpExporterOptions options, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]))
        {
            options.Protocol = OtlpExportProtocol.HttpProtobuf;
        }
    }

    private static bool IsTrue(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static bool IsNone(string? value) => string.Equals(value?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
