using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Load.Cli;

namespace MrdSimulator.Load.Tests.Chaos;

/// <summary>
/// The real simulator (in-process, Kestrel on 127.0.0.1) under a short chaos plan, driven by <c>mrdload run</c>:
/// every lost or contradicting notification must be explained by the simulator's records of what its faults
/// cost, and a notification that vanishes without a fault must stay unexplained and fail the threshold.
/// Runs alone: a simulator and a driver at full speed would starve the timing-sensitive engine tests.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class ChaosAttributionTests
{
    private const string Token = "attribution-test-token-0123456789";

    // A lossy notification fault on half the agents, a Notification Service outage and a failover, in 3.4 s.
    private const string Plan = """
        name: short shift through notification loss, an outage and a failover
        seed: 5
        faults:
          - { id: lossy, kind: notification.drop, at: 300ms, duration: 700ms, probability: 25%, scope: { users: ["1000-1003"] } }
          - { id: nsd, kind: rest.unavailable, at: 1200ms, duration: 800ms }
          - { id: fo, kind: failover, at: 2700ms, duration: 700ms }
        """;

    [Fact]
    public async Task UnderNotificationLossAnOutageAndAFailoverEveryLostOrContradictingNotificationIsExplainedByAFault()
    {
        await using var simulator = await RealSimulator.StartAsync();
        var run = await RunAsync(simulator.BaseAddress, Plan);

        Assert.True(run.Code == ExitCodes.Passed, run.Output + run.Error);
        var n = run.Report.GetProperty("notifications");
        Assert.True(n.GetProperty("attributed").GetBoolean());
        Assert.True(n.GetProperty("lostTotal").GetInt64() > 0, "the plan must cost notifications for the test to mean anything: " + n);
        Assert.Equal(n.GetProperty("lostTotal").GetInt64(), n.GetProperty("lostExplained").GetInt64());
        Assert.Equal(0, n.GetProperty("lost").GetInt64());
        Assert.Equal(0, n.GetProperty("contradicting").GetInt64());
        Assert.True(n.GetProperty("lostExplainedByFault").TryGetProperty("notification.drop", out _), n.ToString());

        // The failover's WORK_NOT_READY Updates reached the driver: its state model followed them.
        var windows = run.Report.GetProperty("faultWindows").EnumerateArray().ToDictionary(w => w.GetProperty("id").GetString()!);
        Assert.Equal(["fo", "lossy", "nsd"], windows.Keys.Order());
        Assert.True(windows["nsd"].GetProperty("load").GetProperty("failedRequests").GetInt64() > 0);
        // The agents backed off and retried through the outage (the default for agent-shift), each retry with its own
        // requestId, and the accounting above stays exact. (Whether a retry falls inside the 800 ms window or just after
        // it depends on the back-off's jitter and the machine's load, so the window's own count is not asserted.)
        Assert.Contains(run.Report.GetProperty("steps").EnumerateArray(), s => s.GetProperty("step").GetString()!.EndsWith(".retry", StringComparison.Ordinal));
        Assert.True(windows["lossy"].GetProperty("undelivered").GetInt64() > 0);
        Assert.Equal(
            n.GetProperty("lostExplained").GetInt64(),
            windows.Values.Sum(w => w.GetProperty("load").GetProperty("lostExplained").GetInt64()));
        Assert.Contains("id=\"fault-windows\"", run.Html, StringComparison.Ordinal);
        Assert.Contains("explained by a fault", run.Html, StringComparison.Ordinal);
        Assert.StartsWith("row,fault_id,fault_kind", run.NotificationsCsv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotificationsThatVanishWithoutAFaultStayUnexplainedAndFailTheThreshold()
    {
        await using var simulator = await RealSimulator.StartAsync();
        // A simulator bug stand-in: a few Updates of one agent disappear with no fault and no record.
        var hub = simulator.Services.GetRequiredService<NotificationHub>();
        var chaos = hub.Interceptor!;
        var seen = 0;
        hub.Interceptor = (notification, deliver) =>
            (notification.RequestId is not null && notification.Node.UserId == "1005" && Interlocked.Increment(ref seen) is >= 5 and <= 7)
            || chaos(notification, deliver);

        var run = await RunAsync(simulator.BaseAddress, Plan);

        Assert.True(run.Code == ExitCodes.ThresholdsFailed, run.Output + run.Error);
        var n = run.Report.GetProperty("notifications");
        Assert.InRange(n.GetProperty("lost").GetInt64(), 1, 3);
        Assert.True(n.GetProperty("lostExplained").GetInt64() > 0, n.ToString());
        var threshold = run.Report.GetProperty("thresholds").EnumerateArray().Single(t => t.GetProperty("expression").GetString() == "lost_notifications = 0");
        Assert.False(threshold.GetProperty("passed").GetBoolean());
    }

    private static async Task<RunOutcome> RunAsync(Uri baseUrl, string plan)
    {
        var planFile = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.yaml");
        var reports = Path.Combine(Path.GetTempPath(), $"reports-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(planFile, plan);
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            string[] args =
            [
                "run", "--builtin", "agent-shift", "-u", baseUrl.ToString().TrimEnd('/'), "--agents", "1000-1007", "--copies", "8", "-d", "4s",
                "--cycles", "1", "--notification-timeout", "2s", "--max-fail-count", "0", "--chaos-plan", planFile, "--admin-token", Token,
                "-t", "lost_notifications = 0", "-t", "contradicting_notifications = 0", "-o", reports, "--report-formats", "json,html,csv", "--plain",
            ];
            var code = await CommandLine.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
            var folder = Directory.GetDirectories(reports).Single();
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "report.json")));
            return new RunOutcome(
                code, output.ToString(), error.ToString(), json.RootElement.Clone(),
                await File.ReadAllTextAsync(Path.Combine(folder, "report.html")),
                await File.ReadAllTextAsync(Path.Combine(folder, "report-notifications.csv")));
        }
        finally
        {
            File.Delete(planFile);
            if (Directory.Exists(reports))
            {
                Directory.Delete(reports, recursive: true);
            }
        }
    }

    private sealed record RunOutcome(int Code, string Output, string Error, JsonElement Report, string Html, string NotificationsCsv);

    /// <summary>The simulator's own Program on Kestrel at 127.0.0.1 with a free port, XMPP off.</summary>
    private static class RealSimulator
    {
        public static Task<SimulatorHost> StartAsync() => Task.FromResult(SimulatorHost.StartKestrel(
            ("Simulator:Agents", "20"), ("Simulator:Xmpp:Port", "-1"), ("Chaos:AdminToken", Token), ("Logging:LogLevel:Default", "Error")));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone (CPU-heavy)";
}
