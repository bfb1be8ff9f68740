using System.Text;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Security;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// <c>/admin/faults</c> and <c>/admin/chaos/*</c>: list, add and clear faults, load a plan, read the
/// timeline. Guarded, like every <c>/admin</c> route, by <see cref="AdminAccess"/>.
/// </summary>
public static class ChaosAdminApi
{
    public static IEndpointRouteBuilder MapChaosAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup();
        admin.MapGet("/faults", async (IChaosControl chaos, ChaosEngine engine) => Results.Json(new { faults = await chaos.FaultsAsync(), adminSeed = engine.AdminSeed }));
        admin.MapPost("/faults", AddFaultsAsync);
        admin.MapDelete("/faults", async (IChaosControl chaos) => Results.Json(new { cleared = await chaos.ClearAsync(null) }));
        admin.MapDelete("/faults/{id}", async (string id, IChaosControl chaos) =>
            await chaos.ClearAsync(id) is var n && n > 0 ? Results.Json(new { cleared = n }) : Error(404, $"no fault '{id}'"));
        admin.MapPost("/chaos/plan", StartPlanAsync);
        admin.MapDelete("/chaos/plan", async (IChaosControl chaos) => Results.Json(new { stopped = await chaos.StopPlanAsync() }));
        admin.MapGet("/chaos/timeline", async (IChaosControl chaos) => Results.Json(await chaos.TimelineAsync()));
        admin.MapGet("/chaos/injections", async (IChaosControl chaos, int? limit) => Results.Json(new { injections = await chaos.InjectionsAsync(Math.Clamp(limit ?? 1000, 1, 10_000)) }));
        // Without since: the newest records; with since: the records after that sequence, in order (a reader pages with next).
        admin.MapGet("/chaos/drops", async (IChaosControl chaos, long? since, int? limit, string? requestIdPrefix) =>
            Results.Json(await chaos.DropsAsync(since, Math.Clamp(limit ?? 1000, 1, 10_000), string.IsNullOrEmpty(requestIdPrefix) ? null : requestIdPrefix)));
        return app;
    }

    private static async Task<IResult> AddFaultsAsync(HttpContext context, IChaosControl chaos)
    {
        var (text, error) = await ReadBodyAsync(context);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var faults = await chaos.AddAsync(name => ChaosPlanParser.ParseFaults(text!, "request body", name));
            return Results.Json(new { faults }, statusCode: 201);
        }
        catch (ChaosPlanException ex)
        {
            return PlanError(ex);
        }
        catch (ChaosConflictException ex)
        {
            return Error(409, ex.Message);
        }
    }

    private static async Task<IResult> StartPlanAsync(HttpContext context, IChaosControl chaos)
    {
        var (text, error) = await ReadBodyAsync(context);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var name = context.Request.Query["name"].ToString();
            var plan = ChaosPlanParser.Parse(text!, string.IsNullOrEmpty(name) ? "plan" : name);
            var (view, faults) = await chaos.StartPlanAsync(plan);
            return Results.Json(new { plan = view, faults }, statusCode: 201);
        }
        catch (ChaosPlanException ex)
        {
            return PlanError(ex);
        }
        catch (ChaosConflictException ex)
        {
            return Error(409, ex.Message);
        }
    }

    private static async Task<(string? Text, IResult? Error)> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > ChaosPlanParser.MaxPlanBytes)
        {
            return (null, Error(413, $"the body is larger than {ChaosPlanParser.MaxPlanBytes} bytes"));
        }

        var buffer = new byte[ChaosPlanParser.MaxPlanBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
        }

        if (length > ChaosPlanParser.MaxPlanBytes)
        {
            return (null, Error(413, $"the body is larger than {ChaosPlanParser.MaxPlanBytes} bytes"));
        }

        return length == 0 ? (null, Error(400, "the body is empty; send a fault, a list of faults or a plan (JSON or YAML)")) : (Encoding.UTF8.GetString(buffer, 0, length), null);
    }

    private static IResult PlanError(ChaosPlanException ex) =>
        Results.Json(new { error = ex.Message, file = ex.File, line = ex.Line, field = ex.Field, reason = ex.Reason }, statusCode: 400);

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
