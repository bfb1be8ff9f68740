// A bare Kestrel endpoint for benchmarking load generators: reads the request body and answers 202, nothing else.
// Usage: bareserver --urls http://127.0.0.1:5099
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.Run(async context =>
{
    var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
    try
    {
        while (await context.Request.Body.ReadAsync(buffer) > 0)
        {
        }
    }
    finally
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    context.Response.StatusCode = StatusCodes.Status202Accepted;
    if (context.Request.Headers.TryGetValue("requestId", out var requestId))
    {
        context.Response.Headers["requestId"] = requestId;
    }
});
await app.RunAsync();
