using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Gateway.Observability.Tracing;

namespace MrdSimulator.Observability.Tests;

public sealed class TelemetrySwitchTests
{
    [Fact]
    public async Task TelemetryOffServesHealthButNoMetricsOrDashboardAndListensToNothing()
    {
        await using var host = SimulatorHost.StartKestrel(new Dictionary<string, string?> { ["Simulator:Telemetry"] = "off" });
        await host.SignInAsync("1001");

        using var metrics = await host.Http.GetAsync("/metrics");
        using var dashboard = await host.Http.GetAsync("/dashboard");
        using var ready = await host.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Null(host.Services.GetService<MetricCollector>());
        Assert.Null(host.Services.GetService<OpenTelemetryExport>());
    }

    [Fact]
    public async Task WithoutAnOtlpEndpointNothingIsExported()
    {
        await using var host = SimulatorHost.StartKestrel();

        var export = host.Services.GetRequiredService<OpenTelemetryExport>();

        Assert.False(export.Metrics);
        Assert.False(export.Traces);
        Assert.Null(host.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Null(host.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        using var metrics = await host.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
    }
}
