using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Dialogs;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Media;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.Observability;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Gateway.Tasks;
using MrdSimulator.Gateway.Users;
using MrdSimulator.Gateway.Xmpp;

namespace MrdSimulator.Gateway;

public static class SimulatorEndpoints
{
    /// <summary>Every endpoint of the simulator's role: a cluster silo serves only /health and /metrics.</summary>
    public static WebApplication MapSimulator(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Configuration.SimulatorOptions>().Role == Configuration.SimulatorRole.Silo)
        {
            return app.MapSiloObservability();
        }

        app.UseExceptionHandler(error => error.Run(context =>
            FinesseResults.WriteErrorAsync(context, new ApiError(500, "Generic Error", "The simulator failed to process the request", string.Empty))));
        app.UseMiddleware<GrainFailureMiddleware>();

        // Early, so every answer of a CORS-enabled endpoint (errors and 503s included) carries its CORS headers.
        app.UseCors();

        app.MapObservability();
        app.UseMiddleware<HttpInputGuard>();
        app.UseChaos();
        app.UseMiddleware<FinesseAuthMiddleware>();

        var finesse = app.MapGroup("/finesse/api").RequireFinesseUser();
        finesse.MapSystemInfoApi();
        finesse.MapMediaApi();
        finesse.MapUserApi();
        finesse.MapDialogApi();
        app.MapCcpTaskApi();
        app.MapCcpWebappApi();
        app.MapCapacityApi();
        app.MapNotificationStreamApi();
        app.MapXmppApi();

        // Unknown Finesse resources answer like Finesse: 404 with an ApiErrors body.
        app.MapFallback("/finesse/{**path}", (HttpContext context) =>
            FinesseResults.Error(ApiError.NotFound($"No resource at {context.Request.Path}", context.Request.Path)))
            .RequireFinesseUser();
        return app;
    }
}
