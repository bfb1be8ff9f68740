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
        await using var host = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:Telemetry"] = "off" });
        await host.SignInAsync("1001");

        using var metrics = await host.Client.GetAsync("/metrics");
        using var dashboard = await host.Client.GetAsync("/dashboard");
        using var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Null(host.Services.GetService<MetricCollector>());
        Assert.Null(host.Services.GetService<OpenTelemetryExport>());
    }

    [Fact]
    public async Task WithoutAnOtlpEndpointNothingIsExported()
    {
        await using var host = await SimulatorHost.StartAsync();

        var export = host.Services.GetRequiredService<OpenTelemetryExport>();

        Assert.Null(export.Meters);
        Assert.Null(export.Tracer);
        using var metrics = await host.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
    }
}
