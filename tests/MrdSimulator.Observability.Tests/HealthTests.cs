using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Health;
using MrdSimulator.Gateway.SystemInfo;
using Orleans.Storage;

namespace MrdSimulator.Observability.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task LiveAndReadyAnswer200WhileInServiceWithReachableStorage()
    {
        await using var host = SimulatorHost.StartKestrel();

        using var live = await host.Http.GetAsync("/health/live");
        using var ready = await host.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = await ChecksAsync(ready);
        Assert.Equal("Healthy", checks["notification-service"]);
        Assert.Equal("Healthy", checks["grain-storage"]);
    }

    [Fact]
    public async Task ReadyAnswers503WhileTheNotificationServiceIsOutOfServiceAndRecovers()
    {
        await using var host = SimulatorHost.StartKestrel();
        var status = host.Services.GetRequiredService<ServiceStatus>();

        status.TakeOutOfService("maintenance");
        using var down = await host.Http.GetAsync("/health/ready");
        using var liveWhileDown = await host.Http.GetAsync("/health/live");
        status.Restore();
        using var up = await host.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("Unhealthy", (await ChecksAsync(down))["notification-service"]);
        Assert.Equal(HttpStatusCode.OK, liveWhileDown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
    }

    [Fact]
    public async Task ReadyAnswers503WhenStorageIsUnreachable()
    {
        await using var host = new SimulatorHost { Kestrel = true, GrainStorage = new UnreachableStorage() }.Start();

        using var ready = await host.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("unreachable: IOException", body);
        Assert.DoesNotContain("secret-host", body);
    }

    [Fact]
    public async Task ReadinessChecksAddedByOtherFeaturesDecideReadiness()
    {
        await using var host = SimulatorHost.StartKestrel(new Dictionary<string, string?>(), s => s.AddHealthChecks()
            .AddCheck("xmpp-listener", () => HealthCheckResult.Unhealthy("port not bound"), tags: [HealthEndpoints.ReadyTag]));

        using var ready = await host.Http.GetAsync("/health/ready");
        using var live = await host.Http.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", (await ChecksAsync(ready))["xmpp-listener"]);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private static async Task<Dictionary<string, string>> ChecksAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!);
    }

    /// <summary>A database that cannot be reached (and whose error names a host it must not leak).</summary>
    private sealed class UnreachableStorage : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Unreachable();

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Unreachable();

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Unreachable();

        private static Task Unreachable() => Task.FromException(new IOException("connect to secret-host:5432 failed"));
    }
}
