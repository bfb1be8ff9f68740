using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

/// <summary>--chaos-plan and the admin switches as a user runs them: the built gateway as a process.</summary>
public sealed class ChaosStartupTests
{
    [Fact]
    public async Task ABadChaosPlanStopsStartUpNamingTheFileLineFieldAndReason()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-plan-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "seed: 1\nfaults:\n  - { kind: failover, at: 0s, duration: 1m }\n  - { kind: failover, at: 30s }\n");
        try
        {
            var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync("--chaos-plan", file, "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

            Assert.Equal(2, exitCode);
            Assert.Contains($"{file}:4: faults[1].at: failover 'f2' overlaps failover 'f1' (line 3)", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Admin token", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AShortAdminTokenOrABareAllowRemoteSwitchStopsStartUp()
    {
        var (shortCode, _, shortErr) = await GatewayProcess.RunAsync("--admin-token", "abc", "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");
        var (bareCode, _, bareErr) = await GatewayProcess.RunAsync("--urls", "http://127.0.0.1:0", "--xmpp-port", "-1", "--admin-allow-remote");

        Assert.Equal((2, 2), (shortCode, bareCode));
        Assert.Contains("--admin-token: must be at least 16 characters", shortErr, StringComparison.Ordinal);
        Assert.Contains("--admin-allow-remote: needs a value", bareErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDifferentAdminTokensStopStartUpRatherThanGuardingRoutesWithDifferentTokens()
    {
        var (code, _, stderr) = await GatewayProcess.RunAsync(
            "--admin-token", "first-admin-token-0123456789", "--Chaos:AdminToken=second-admin-token-0123456789", "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

        Assert.Equal(2, code);
        Assert.Contains("--admin-token: Chaos:AdminToken and --admin-token (Tasks:AdminToken) differ; give the admin token once", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGoodPlanStartsWithTheHostAndTheGeneratedTokenIsPrinted()
    {
        var file = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "name: boot\nseed: 1\nfaults:\n  - { kind: rest.latency, latency: 10ms }\n");
        try
        {
            var (_, stdout, _) = await GatewayProcess.RunUntilAsync("Chaos plan 'boot' started", "--chaos-plan", file, "--urls", "http://127.0.0.1:0", "--xmpp-port", "-1");

            Assert.Matches("Admin token for /admin/capacity, /admin/faults and /admin/chaos \\(Authorization: Bearer …\\): [A-Za-z0-9_-]{32}", stdout);
            Assert.Contains("Chaos plan 'boot' started: seed 1, 1 faults", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
