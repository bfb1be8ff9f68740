// The yardstick for the simulator's REST throughput: the same route and Kestrel settings, but the
// handler only reads the body and answers 202. Nothing else a real Finesse would do.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPut("/finesse/api/User/{id}/Media/{mrdId}", async (HttpContext context) =>
{
    var buffer = new byte[4096];
    while (await context.Request.Body.ReadAsync(buffer) > 0)
    {
    }

    context.Response.StatusCode = StatusCodes.Status202Accepted;
    context.Response.ContentLength = 0;
});
await app.RunAsync();
