using System.Diagnostics;
using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.Grains;
using Xunit.Abstractions;

namespace MrdSimulator.Observability.Tests;

public sealed class AgentCensusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CensusCountsStoredStatesAndTreatsNeverStoredAgentsAsLoggedOut()
    {
        await using var silo = new Silo(DemoDirectory.Create(50));
        using var census = new AgentCensus(silo);
        await silo.MediaStorage.WriteAsync(new("1001", 5000), MediaState.Initial with { State = AgentState.Ready }, 0);
        await silo.MediaStorage.WriteAsync(new("1002", 5000), MediaState.Initial with { State = AgentState.NotReady }, 0);
        await silo.MediaStorage.WriteAsync(new("1003", 5000), MediaState.Initial with { State = AgentState.Logout }, 0);

        var chat = census.Recount().Mrds.Single(m => m.Id == 5000);

        Assert.Equal(1, chat.States[AgentState.Ready]);
        Assert.Equal(1, chat.States[AgentState.NotReady]);
        Assert.Equal(chat.Assigned - 2, chat.States[AgentState.Logout]);
        Assert.Equal(2, chat.SignedIn);
    }

    /// <summary>The figure quoted in docs/observability.md: what one census scan costs per stored Media object.</summary>
    [Fact]
    public async Task CensusOfOneHundredFiftyThousandMediaObjectsTakesMillisecondsNotSeconds()
    {
        const int agents = 50_000;
        await using var silo = new Silo(DemoDirectory.Create(agents));
        using var census = new AgentCensus(silo);
        var states = new[] { AgentState.Ready, AgentState.NotReady, AgentState.Login };
        for (var i = 0; i < agents; i++)
        {
            var id = (1000 + i).ToString(CultureInfo.InvariantCulture);
            foreach (var mrd in new[] { 5000, 5001, 5002 })
            {
                await silo.MediaStorage.WriteAsync(new(id, mrd), MediaState.Initial with { State = states[i % 3] }, 0);
            }
        }

        census.Recount();
        var clock = Stopwatch.StartNew();
        const int runs = 5;
        for (var r = 0; r < runs; r++)
        {
            census.Recount();
        }

        var perScan = clock.Elapsed / runs;
        output.WriteLine($"census of {agents * 3} Media objects: {perScan.TotalMilliseconds:F1} ms per scan, {perScan.TotalNanoseconds / (agents * 3):F0} ns per object");
        Assert.True(perScan < TimeSpan.FromMilliseconds(500), $"{perScan.TotalMilliseconds} ms");
        Assert.Equal(agents / 3 + 1, census.Recount().Mrds.Single(m => m.Id == 5000).States[AgentState.Ready]);
    }
}
