using System.Diagnostics.Metrics;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Observability.Dashboard;
using MrdSimulator.Gateway.Observability.Health;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Gateway.Observability.Tracing;

namespace MrdSimulator.Gateway.Observability;

/// <summary>
/// Metrics (OTLP and <c>/metrics</c>), traces (OTLP), health (<c>/health/live</c>, <c>/health/ready</c>) and
/// the live dashboard (<c>/dashboard</c>). All of it is served by the simulator's own listener, which binds
/// to loopback by default: these endpoints are unauthenticated and meant for operators.
/// </summary>
public static class ObservabilitySetup
{
    public static IServiceCollection AddObservability(this IServiceCollection services, SimulatorOptions options, IConfiguration configuration)
    {
        services.AddSimulatorHealthChecks().AddCheck<NotificationServiceHealthCheck>("notification-service", tags: [HealthEndpoints.ReadyTag]);
        if (options.Telemetry == TelemetryMode.Off)
        {
            return services;
        }

        services.AddMetrics(configuration);
        services.AddSingleton<MrdStatsReader>();
        services.AddSingleton<AgentCensus>();
        services.AddSingleton<IGrainMetricSource>(sp => sp.GetRequiredService<AgentCensus>());
        services.AddSingleton<TaskCensus>();
        services.AddSingleton<IGrainMetricSource>(sp => sp.GetRequiredService<TaskCensus>());
        services.AddSingleton<DashboardHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardHistory>());
        services.AddSingleton<DashboardSnapshotBuilder>();
        services.AddConventionalSections();
        services.AddDashboardSection<Tasks.TimeScaleDashboardSection>();
        return services;
    }

    /// <summary>A cluster silo: readiness (its grains can read their storage) and /metrics, describing this process only.</summary>
    public static IServiceCollection AddSiloObservability(this IServiceCollection services, SimulatorOptions options, IConfiguration configuration)
    {
        services.AddSimulatorHealthChecks();
        if (options.Telemetry == TelemetryMode.On)
        {
            services.AddMetrics(configuration);
        }

        return services;
    }

    public static WebApplication MapSiloObservability(this WebApplication app)
    {
        app.MapHealthEndpoints();
        if (app.Services.GetRequiredService<SimulatorOptions>().Telemetry == TelemetryMode.On)
        {
            app.Services.GetRequiredService<MetricCollector>();
            app.MapMetricsEndpoint();
        }

        return app;
    }

    private static void AddMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new MetricCollector(
            MetricsSetup.Filter(sp.GetService<IMeterFactory>()),
            MetricsSetup.BucketsFor,
            MetricsSetup.HistogramViews));
        OpenTelemetryExport.AddOpenTelemetryExport(services, configuration, MetricsSetup.MeterNames);
    }

    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapHealthEndpoints();
        var options = app.Services.GetRequiredService<SimulatorOptions>();
        if (options.Telemetry == TelemetryMode.Off)
        {
            return app;
        }

        // Built now, before the first request: the listeners must be in place when traffic starts.
        app.Services.GetRequiredService<MetricCollector>();
        app.Services.GetRequiredService<AgentCensus>();
        app.Services.GetRequiredService<TaskCensus>();
        app.MapMetricsEndpoint();
        app.MapDashboard();
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(DashboardApi.StartupLine(app.Urls)));
        return app;
    }
}
