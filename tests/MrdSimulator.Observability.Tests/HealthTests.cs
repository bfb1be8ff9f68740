using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Health;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Observability.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task LiveAndReadyAnswer200WhileInServiceWithReachableStorage()
    {
        await using var host = await SimulatorHost.StartAsync();

        using var live = await host.Client.GetAsync("/health/live");
        using var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = await ChecksAsync(ready);
        Assert.Equal("Healthy", checks["notification-service"]);
        Assert.Equal("Healthy", checks["media-storage"]);
    }

    [Fact]
    public async Task ReadyAnswers503WhileTheNotificationServiceIsOutOfServiceAndRecovers()
    {
        await using var host = await SimulatorHost.StartAsync();
        var status = host.Services.GetRequiredService<ServiceStatus>();

        status.TakeOutOfService("maintenance");
        using var down = await host.Client.GetAsync("/health/ready");
        using var liveWhileDown = await host.Client.GetAsync("/health/live");
        status.Restore();
        using var up = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("Unhealthy", (await ChecksAsync(down))["notification-service"]);
        Assert.Equal(HttpStatusCode.OK, liveWhileDown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
    }

    [Fact]
    public async Task ReadyAnswers503WhenStorageIsUnreachable()
    {
        await using var host = await SimulatorHost.StartAsync(services: s => s.AddSingleton(sp =>
            new Silo(sp.GetRequiredService<SimulatorDirectory>(), mediaStorage: new UnreachableStorage())));

        using var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("unreachable: IOException", body);
        Assert.DoesNotContain("secret-host", body);
    }

    [Fact]
    public async Task ReadinessChecksAddedByOtherFeaturesDecideReadiness()
    {
        await using var host = await SimulatorHost.StartAsync(services: s => s.AddHealthChecks()
            .AddCheck("xmpp-listener", () => HealthCheckResult.Unhealthy("port not bound"), tags: [HealthEndpoints.ReadyTag]));

        using var ready = await host.Client.GetAsync("/health/ready");
        using var live = await host.Client.GetAsync("/health/live");

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

    private sealed class UnreachableStorage : IGrainStorage<MediaGrainKey, MediaState>
    {
        public ValueTask<StoredState<MediaState>?> ReadAsync(MediaGrainKey key, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<StoredState<MediaState>?>(new IOException("connect to secret-host:5432 failed"));

        public ValueTask<long> WriteAsync(MediaGrainKey key, MediaState state, long expectedEtag, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<long>(new IOException("connect to secret-host:5432 failed"));
    }
}
