using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Startup;

/// <summary>Start-up as a user runs it: the built gateway as a process.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task ABadDirectoryFileStopsStartUpNamingTheFileLineAndField()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-directory-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "mrds:\n  - { id: 5000, name: Chat }\nusers:\n  - { id: \"1000\", password: p, role: wizard }\n");
        try
        {
            var (exitCode, stderr) = await RunGatewayAsync("--directory", file, "--urls", "http://127.0.0.1:0");

            Assert.Equal(2, exitCode);
            Assert.Contains($"{file}:4: users[0].role: 'wizard' is not one of agent, supervisor", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AMissingDirectoryFileStopsStartUp()
    {
        var (exitCode, stderr) = await RunGatewayAsync("--directory", "/nonexistent/directory.yaml", "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/directory.yaml", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImpossibleAgentCountStopsStartUp()
    {
        var (exitCode, stderr) = await RunGatewayAsync("--agents", "0", "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--agents", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--time-scale", "0")]
    [InlineData("--bots", "-3")]
    [InlineData("--max-tasks-in-queue", "0")]
    public async Task ImpossibleTaskOptionsStopStartUpWithoutAStackTrace(string option, string value)
    {
        var (exitCode, stderr) = await RunGatewayAsync(option, value, "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        Assert.Equal(2, exitCode);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortAlreadyInUseStopsStartUpWithAPlainMessage()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, stderr) = await RunGatewayAsync("--urls", $"http://127.0.0.1:{port}", "--xmpp-port", "-1");

        Assert.Equal(2, exitCode);
        Assert.Contains("address already in use", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public async Task AnUnreachableRedisStopsAClusterProcessWithOneLineNamingTheAddress(string role)
    {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var (exitCode, stderr) = await RunGatewayAsync("--role", role, "--redis", "127.0.0.1:1", "--admin-token", "cluster-test-token-0123",
            "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        Assert.Equal(3, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("Redis at 127.0.0.1:1 is unreachable", line, StringComparison.Ordinal);
        Assert.Contains("--redis", line, StringComparison.Ordinal);
        Assert.DoesNotContain("abortConnect", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABusyXmppPortStopsStartUpInsteadOfRunningWithoutXmpp()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, stderr) = await RunGatewayAsync("--urls", "http://127.0.0.1:0", "--xmpp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(2, exitCode);
        Assert.Contains($"XMPP to 127.0.0.1:{port}: address already in use", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMistypedSwitchStopsStartUpAndSuggestsTheRealOne()
    {
        var (exitCode, stderr) = await RunGatewayAsync("--agent", "5000", "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown switch '--agent'; did you mean --agents?", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsEverySwitchTheSimulatorMapsAndExitsWithoutStarting()
    {
        var (exitCode, stdout, _) = await GatewayProcess.RunAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var mapped in MrdSimulator.Gateway.Configuration.CommandLineSwitches.Mappings.Keys)
        {
            Assert.Contains("  " + mapped + " ", stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("listening on", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASuppliedAdminTokenIsNeverPrinted()
    {
        const string token = "supplied-admin-token-0123456789";

        var (_, stdout, stderr) = await GatewayProcess.RunUntilAsync("listening on", "--admin-token", token, "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        Assert.DoesNotContain(token, stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Admin token", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGeneratedAdminTokenIsPrintedOnceForEveryAdminEndpoint()
    {
        var (_, stdout, _) = await GatewayProcess.RunUntilAsync("listening on", "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        var line = Assert.Single(stdout.Split('\n'), l => l.Contains("Admin token", StringComparison.Ordinal));
        Assert.Matches("^Admin token for /admin/capacity, /admin/faults and /admin/chaos \\(Authorization: Bearer …\\): [A-Za-z0-9_-]{32}$", line.TrimEnd());
    }

    [Theory]
    [InlineData("6000", true)]
    [InlineData("1", false)]
    public async Task ATimeScaleWithBotsPrintsOneLineEstimatingTheDistortionAndStillStarts(string scale, bool printed)
    {
        var (_, stdout, _) = await GatewayProcess.RunUntilAsync(
            "listening on", "--time-scale", scale, "--bots", "2", "--task-rate", "10", "--handle-time", "300", "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        var lines = stdout.Split('\n').Where(l => l.Contains("real-time hops", StringComparison.Ordinal)).ToList();
        if (!printed)
        {
            Assert.Empty(lines);
            return;
        }

        var line = Assert.Single(lines).TrimEnd();
        Assert.StartsWith("Warning: time scale 6000: each task's real-time hops (~", line, StringComparison.Ordinal);
        Assert.Contains("over the 1% bound", line, StringComparison.Ordinal);
        Assert.EndsWith("use `mrdsim plan` (docs/capacity.md) for exact capacity answers", line, StringComparison.Ordinal);
        Assert.Contains("listening on", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SectionSettingsAndHostSettingsAreNotMistakenForUnknownSwitches()
    {
        Assert.Null(MrdSimulator.Gateway.Configuration.CommandLineSwitches.FindUnknown(
            ["--Simulator:Agents=5000", "--Tasks=", "--urls", "http://127.0.0.1:0", "--environment=Development", "--Tasks__TimeScale", "2", "--xmpp-port", "-1"]));
        Assert.Contains("unexpected argument 'stray'", MrdSimulator.Gateway.Configuration.CommandLineSwitches.FindUnknown(["--agents", "5", "stray"]), StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stderr)> RunGatewayAsync(params string[] args)
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(args);
        return (exitCode, stderr);
    }
}
