using MrdSimulator.Gateway.Security;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary><c>GET /admin/capacity</c>: per-MRD capacity figures as JSON (docs/tasks.md); guarded by <see cref="AdminAccess"/>.</summary>
public static class CapacityApi
{
    public static IEndpointRouteBuilder MapCapacityApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/capacity", async (Silo silo, TaskSimulationOptions options, TimeProvider time) =>
        {
            var mrds = new List<CapacitySnapshot>();
            foreach (var mrd in silo.Directory.NonVoiceMrds)
            {
                var queue = await silo.Tasks.GetQueue(mrd.Id).GetSnapshotAsync();
                mrds.Add(silo.Tasks.Capacity.Snapshot(mrd.Id, mrd.Name, mrd.ServiceLevelThresholdSeconds) with { Queued = queue.Queued });
            }

            return Results.Json(new
            {
                simulatedTime = time.GetUtcNow(),
                timeScale = options.TimeScale,
                contacts = silo.Tasks.Contacts.Count,
                faults = silo.Tasks.Faults,
                mrds,
            });
        });
        return app;
    }
}
