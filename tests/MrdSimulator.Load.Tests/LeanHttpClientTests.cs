using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

public sealed class LeanHttpClientTests
{
    private static async Task<(WebApplication App, HttpTarget Target)> StartAsync()
    {
        var (app, url) = await TestServers.StartAsync(a =>
        {
            a.MapPut("/echo", async ctx =>
            {
                using var reader = new StreamReader(ctx.Request.Body);
                var body = await reader.ReadToEndAsync();
                ctx.Response.StatusCode = 202;
                ctx.Response.Headers["requestId"] = ctx.Request.Headers["requestId"];
                ctx.Response.Headers["X-Auth"] = ctx.Request.Headers.Authorization.ToString();
                ctx.Response.ContentLength = body.Length;
                await ctx.Response.WriteAsync(body);
            });
            a.MapGet("/chunked", async ctx =>
            {
                ctx.Response.StatusCode = 503;
                for (var i = 0; i < 40; i++)
                {
                    await ctx.Response.WriteAsync(new string('x', 1000));
                    await ctx.Response.Body.FlushAsync();
                }
            });
            a.MapGet("/close", ctx =>
            {
                ctx.Response.Headers.Connection = "close";
                ctx.Response.StatusCode = 200;
                return Task.CompletedTask;
            });
        });
        return (app, new HttpTarget(url, 4, TimeSpan.FromSeconds(5)));
    }

    private static ValueTask<int> Send(HttpTarget t, StepRecorder step, string method, string path, string? body = null) =>
        HttpStep.SendAsync(
            t,
            new RawHttpClient.Request(method, path, "Basic MTAwMDpwYXNzd29yZA==", "req-1", body is null ? default : System.Text.Encoding.UTF8.GetBytes(body), "application/xml"),
            step,
            System.Diagnostics.Stopwatch.GetTimestamp(),
            202,
            CancellationToken.None);

    [Fact]
    public async Task SendsHeadersAndBodyAndReadsContentLengthResponses()
    {
        var (app, target) = await StartAsync();
        await using (app)
        using (target)
        {
            Assert.NotNull(target.Raw);
            var step = new StepRecorder("s", "echo");
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(202, await Send(target, step, "PUT", "/echo", "<Media><state>READY</state></Media>"));
            }

            Assert.Equal(20, step.Ok.TotalCount);
            Assert.Equal(20 * 35, step.BytesSent);
            Assert.True(step.BytesReceived > 20 * 35, $"{step.BytesReceived}");
        }
    }

    [Fact]
    public async Task ReadsChunkedBodiesLargerThanItsBuffer()
    {
        var (app, target) = await StartAsync();
        await using (app)
        using (target)
        {
            var step = new StepRecorder("s", "chunked");
            Assert.Equal(503, await Send(target, step, "GET", "/chunked"));
            Assert.Equal(503, await Send(target, step, "GET", "/chunked")); // the connection is still usable
            Assert.True(step.BytesReceived > 80_000, $"{step.BytesReceived}");
            Assert.Equal(2, step.Fail.TotalCount);
        }
    }

    [Fact]
    public async Task ReconnectsAfterConnectionClose()
    {
        var (app, target) = await StartAsync();
        await using (app)
        using (target)
        {
            var step = new StepRecorder("s", "close");
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(200, await Send(target, step, "GET", "/close"));
            }

            Assert.Equal(202, await Send(target, step, "PUT", "/echo", "<Media/>"));
        }
    }

    [Fact]
    public async Task ARefusedConnectionIsAConnectionError()
    {
        using var target = new HttpTarget(new Uri($"http://127.0.0.1:{TestServers.FreePort()}"), 4, TimeSpan.FromSeconds(2));
        var step = new StepRecorder("s", "refused");
        Assert.Equal(Stats.StatusCodes.ConnectionError, await Send(target, step, "PUT", "/echo", "<Media/>"));
    }
}
