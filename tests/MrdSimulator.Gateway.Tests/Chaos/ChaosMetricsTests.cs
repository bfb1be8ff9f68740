using System.Net;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class ChaosMetricsTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task InjectedFaultsPerKindAndActiveFaultsAreExportedOnMetrics()
    {
        await _h.AddAsync("""[{"kind":"rest.error","scope":{"users":["1000"]}},{"kind":"notification.drop","scope":{"users":["1999"]}}]""");
        using var agent = _h.Agent("1000");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await agent.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);
        }

        using var anonymous = _h.Factory.CreateClient();
        var metrics = await anonymous.GetStringAsync("/metrics");

        Assert.Matches("mrdsim_chaos_injected[a-z_]*\\{[^}]*kind=\"rest.error\"[^}]*\\} 3", metrics);
        Assert.Matches("mrdsim_chaos_active[a-z_]*\\{[^}]*kind=\"notification.drop\"[^}]*\\} 1", metrics);
    }
}
