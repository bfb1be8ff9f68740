using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.GrainInterfaces.Diagnostics;

namespace MrdSimulator.Gateway.Observability.Health;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every check tagged
/// <see cref="ReadyTag"/> passes; 503 otherwise). Other features add readiness checks with
/// <c>services.AddHealthChecks().AddCheck&lt;T&gt;("name", tags: [HealthEndpoints.ReadyTag])</c>.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public const string LiveTag = "live";

    /// <summary>Readiness every role shares: the grains answer and can read their storage.</summary>
    public static IHealthChecksBuilder AddSimulatorHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("grain-storage", tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", Options(LiveTag));
        app.MapHealthChecks("/health/ready", Options(ReadyTag));
        return app;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = c => c.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WriteAsync,
        AllowCachingResponses = false,
    };

    /// <summary>Status, and per check its status and description; never exception details.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 3),
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}

/// <summary>Unhealthy while the simulated Finesse is OUT_OF_SERVICE: clients get 503s and no notifications then.</summary>
internal sealed class NotificationServiceHealthCheck(ServiceStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.InService
            ? HealthCheckResult.Healthy("IN_SERVICE")
            : HealthCheckResult.Unhealthy("OUT_OF_SERVICE" + (status.Reason is { } r ? ": " + r : string.Empty)));
}

/// <summary>
/// A grain reads its state: an exception, or an answer slower than the timeout, means the grains or their storage
/// cannot serve requests.
/// </summary>
internal sealed class StorageHealthCheck(IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await grains.GetGrain<IStorageProbeGrain>(0).ProbeAsync().AsTask().WaitAsync(timeout.Token);
            return HealthCheckResult.Healthy("reachable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The type only: messages of storage drivers can carry connection strings.
            return HealthCheckResult.Unhealthy("unreachable: " + ex.GetBaseException().GetType().Name);
        }
    }
}

