namespace MrdSimulator.Gateway.Chaos;

public static class ChaosSetup
{
    public static IServiceCollection AddChaos(this IServiceCollection services, ChaosOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<ChaosEngine>();
        services.AddHostedService<ChaosStartup>();
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
    private sealed class ChaosStartup(ChaosEngine engine, ChaosOptions options, IServiceProvider services, ILogger<ChaosEngine> log) : IHostedService
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
                log.LogInformation("Starting the chaos plan given with --chaos-plan");
                await engine.StartPlanAsync(plan);
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await engine.ClearAsync();
    }
}
