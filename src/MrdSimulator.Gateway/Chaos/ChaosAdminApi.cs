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
        admin.MapGet("/faults", (ChaosEngine engine) => Results.Json(new { faults = engine.Faults(), adminSeed = engine.AdminSeed }));
        admin.MapPost("/faults", AddFaultsAsync);
        admin.MapDelete("/faults", async (ChaosEngine engine) => Results.Json(new { cleared = await engine.ClearAsync() }));
        admin.MapDelete("/faults/{id}", async (string id, ChaosEngine engine) =>
            await engine.ClearAsync(id) is var n && n > 0 ? Results.Json(new { cleared = n }) : Error(404, $"no fault '{id}'"));
        admin.MapPost("/chaos/plan", StartPlanAsync);
        admin.MapDelete("/chaos/plan", async (ChaosEngine engine) => Results.Json(new { stopped = await engine.StopPlanAsync() }));
        admin.MapGet("/chaos/timeline", (ChaosEngine engine) => Results.Json(engine.Timeline()));
        admin.MapGet("/chaos/injections", (ChaosEngine engine, int? limit) => Results.Json(new { injections = engine.Injections(Math.Clamp(limit ?? 1000, 1, 10_000)) }));
        // Without since: the newest records; with since: the records after that sequence, in order (a reader pages with next).
        admin.MapGet("/chaos/drops", (ChaosEngine engine, long? since, int? limit, string? requestIdPrefix) =>
        {
            var max = Math.Clamp(limit ?? 1000, 1, 10_000);
            return Results.Json(since is { } from ? engine.DropsSince(from, max, string.IsNullOrEmpty(requestIdPrefix) ? null : requestIdPrefix) : engine.DropsLast(max));
        });
        return app;
    }

    private static async Task<IResult> AddFaultsAsync(HttpContext context, ChaosEngine engine)
    {
        var (text, error) = await ReadBodyAsync(context);
        if (error is not null)
        {
            return error;
        }

        try
        {
            var specs = ChaosPlanParser.ParseFaults(text!, "request body", _ => engine.NextAdminId());
            var faults = await engine.AddAsync(specs);
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

    private static async Task<IResult> StartPlanAsync(HttpContext context, ChaosEngine engine)
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
            var (view, faults) = await engine.StartPlanAsync(plan);
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
