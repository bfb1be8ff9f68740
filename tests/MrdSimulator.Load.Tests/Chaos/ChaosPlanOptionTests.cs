using System.CommandLine;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MrdSimulator.Load.Cli;

namespace MrdSimulator.Load.Tests.Chaos;

/// <summary>
/// <c>mrdload run --chaos-plan</c> against a server that speaks the simulator's chaos admin contract
/// (<c>POST /admin/chaos/plan</c>, <c>GET /admin/chaos/timeline</c>, <c>DELETE /admin/chaos/plan</c>, bearer token);
/// the simulator side of the contract is tested in MrdSimulator.Gateway.Tests/Chaos.
/// </summary>
public sealed class ChaosPlanOptionTests
{
    private const string Token = "a-token-of-sufficient-length";

    [Fact]
    public async Task ThePlanIsPostedWithTheTokenAndItsWindowsAreShadedOnTheCharts()
    {
        var posted = new List<string>();
        var stopped = 0;
        var (app, url) = await TestServers.StartAsync(a =>
        {
            a.MapPut("/finesse/api/User/{id}/Media/{mrd}", () => Results.StatusCode(202));
            a.MapPost("/admin/chaos/plan", async (HttpContext ctx) =>
            {
                if (ctx.Request.Headers.Authorization != "Bearer " + Token)
                {
                    return Results.StatusCode(401);
                }

                posted.Add(await new StreamReader(ctx.Request.Body).ReadToEndAsync());
                return Results.Json(new { plan = new { name = "p" } }, statusCode: 201);
            });
            a.MapGet("/admin/chaos/timeline", () => Results.Json(new
            {
                windows = new object[]
                {
                    new { id = "down", kind = "rest.unavailable", source = "plan", scope = "all", status = "ended", startOffsetSeconds = 0.2, endOffsetSeconds = (double?)0.6, injected = 12 },
                    new { id = "later", kind = "failover", source = "plan", scope = "all", status = "scheduled", startOffsetSeconds = 60.0, endOffsetSeconds = (double?)90.0, injected = 0 },
                    new { id = "mine", kind = "rest.reset", source = "admin", scope = "all", status = "active", startOffsetSeconds = 0.0, endOffsetSeconds = (double?)null, injected = 1 },
                },
            }));
            a.MapDelete("/admin/chaos/plan", () =>
            {
                Interlocked.Increment(ref stopped);
                return Results.Json(new { stopped = true });
            });
        });
        var plan = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.yaml");
        var reports = Path.Combine(Path.GetTempPath(), $"reports-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(plan, "seed: 1\nfaults:\n  - { id: down, kind: rest.unavailable, at: 200ms, duration: 400ms }\n");
        try
        {
            await using (app)
            {
                var (code, output, error) = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--rate", "20", "-d", "1s",
                    "--chaos-plan", plan, "--admin-token", Token, "-o", reports, "--report-formats", "html,json", "--plain");

                Assert.True(code == ExitCodes.Passed, output + error);
            }

            Assert.Equal("seed: 1\nfaults:\n  - { id: down, kind: rest.unavailable, at: 200ms, duration: 400ms }\n", Assert.Single(posted));
            Assert.Equal(1, stopped);
            var folder = Directory.GetDirectories(reports).Single();
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Directory.GetFiles(folder, "*.json").Single()));
            var window = Assert.Single(json.RootElement.GetProperty("faultWindows").EnumerateArray());
            Assert.Equal("down", window.GetProperty("id").GetString());
            Assert.Equal(12, window.GetProperty("injected").GetInt64());
            Assert.InRange(window.GetProperty("endSeconds").GetDouble() - window.GetProperty("startSeconds").GetDouble(), 0.39, 0.41);
            var html = await File.ReadAllTextAsync(Directory.GetFiles(folder, "*.html").Single());
            Assert.Contains("<rect class=\"fault\"", html, StringComparison.Ordinal);
            Assert.Contains("fault down rest.unavailable (all)", html, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(plan);
            if (Directory.Exists(reports))
            {
                Directory.Delete(reports, recursive: true);
            }
        }
    }

    [Fact]
    public async Task ARefusedPlanStopsTheRunWithTheSimulatorsReason()
    {
        var (app, url) = await TestServers.StartAsync(a =>
            a.MapPost("/admin/chaos/plan", () => Results.Json(new { error = "plan.yaml:3: faults[0].kind: unknown fault 'x'" }, statusCode: 400)));
        var plan = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(plan, "faults: []\n");
        try
        {
            await using (app)
            {
                var (code, _, error) = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--rate", "5", "-d", "1s", "--chaos-plan", plan, "--admin-token", Token, "--report-formats", "none", "--plain");

                Assert.Equal(ExitCodes.InvalidInput, code);
                Assert.Contains("the simulator refused the chaos plan (400): plan.yaml:3: faults[0].kind: unknown fault 'x'", error, StringComparison.Ordinal);
            }

            var (noToken, _, tokenError) = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--rate", "5", "-d", "1s", "--chaos-plan", plan, "--report-formats", "none");
            Assert.Equal(ExitCodes.InvalidInput, noToken);
            Assert.Contains("--chaos-plan needs the simulator's admin token", tokenError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(plan);
        }
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
