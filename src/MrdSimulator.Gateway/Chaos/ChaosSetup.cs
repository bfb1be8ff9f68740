using MrdSimulator.Gateway.Chaos.Cluster;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Chaos;

public static class ChaosSetup
{
    /// <summary>
    /// The chaos engine of this process. Embedded, it is the whole of chaos; in a cluster, every silo and gateway runs
    /// one that follows the cluster's plan (a silo's answers the grains' hook, a gateway's its requests, Updates and
    /// sessions), and a gateway's admin calls go through the cluster's chaos grain.
    /// </summary>
    public static IServiceCollection AddChaos(this IServiceCollection services, ChaosOptions options, SimulatorRole role)
    {
        services.AddSingleton(options);
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<ChaosEngine>();
        if (role == SimulatorRole.All)
        {
            services.AddSingleton<IChaosControl, LocalChaosControl>();
        }
        else
        {
            services.AddSingleton<RedisChaosLog>();
            services.AddSingleton<ChaosReplica>();
            services.AddHostedService(sp => sp.GetRequiredService<ChaosReplica>());
            services.AddSingleton<IChaosControl, ClusterChaosControl>();
        }

        if (role != SimulatorRole.Silo)
        {
            services.AddHostedService<ChaosStartup>();
        }

        return services;
    }

    /// <summary>The REST fault middleware (call before authentication) and the admin API.</summary>
    public static WebApplication UseChaos(this WebApplication app)
    {
        app.UseMiddleware<ChaosMiddleware>();
        app.MapChaosAdminApi();
        return app;
    }

    /// <summary>Builds the engine with the host (hooks installed before the first request), prints a generated token, starts <c>--chaos-plan</c>.</summary>
    private sealed class ChaosStartup(ChaosEngine engine, IChaosControl control, ChaosOptions options, IServiceProvider services, ILogger<ChaosEngine> log) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (services.GetService<Xmpp.XmppServer>() is { } xmpp)
            {
                XmppChaos.Attach(engine, xmpp);
            }

            // Printed only when generated: a token the user supplied stays out of logs and terminals.
            if (options.TokenGenerated)
            {
                Console.WriteLine($"Admin token for /admin/capacity, /admin/faults and /admin/chaos (Authorization: Bearer …): {options.AdminToken}");
            }

            if (options.Plan is { } plan)
            {
                // Every gateway of a cluster may be given the plan; the cluster starts it once.
                log.LogInformation("Starting the chaos plan given with --chaos-plan");
                await control.StartPlanAsync(plan, atStartup: true);
            }
        }

        // This process's windows end with it; a cluster's plan goes on for the other processes.
        public async Task StopAsync(CancellationToken cancellationToken) => await engine.ClearAsync();
    }
}
