using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Security;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary><c>GET /admin/capacity</c>: per-MRD capacity figures as JSON (docs/tasks.md).</summary>
public static class CapacityApi
{
    public static IEndpointRouteBuilder MapCapacityApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/capacity", async (
            IGrainFactory grains,
            SimulatorDirectory directory,
            TaskSimulationOptions options,
            GeneratorStart generatorStart,
            [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time) =>
        {
            var mrds = new List<CapacitySnapshot>();
            foreach (var mrd in directory.NonVoiceMrds)
            {
                // The queue's own length is current; the figures reach the statistics grain a moment after they change.
                var queue = await grains.Get<IMrdQueueGrain>(mrd.Id).GetSnapshotAsync();
                mrds.Add(await grains.Get<IMrdStatsGrain>(mrd.Id).GetCapacityAsync() with { Queued = queue.Queued });
            }

            var now = time.GetUtcNow();
            var generated = TimeScaleAdvice.Arrivals(mrds, options.TasksPerHour, generatorStart.At is { } at ? now - at : null);
            return Results.Json(new
            {
                simulatedTime = now,
                timeScale = options.TimeScale,
                distortionBound = CapacitySnapshot.DistortionBound,
                warning = TimeScaleAdvice.Warning(mrds, options.TimeScale, generated),
                taskRate = options.TasksPerHour,
                arrivals = generated,
                mrds,
            });
        });
        return app;
    }
}
