using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Observability.Metrics;

namespace MrdSimulator.Observability.Tests;

public sealed class AgentCensusTests
{
    [Fact]
    public async Task CensusCountsAgentsPerStateFromTheGrainsAndTreatsNeverSignedInAgentsAsLoggedOut()
    {
        await using var host = new SimulatorHost { Settings = new Dictionary<string, string?> { ["Simulator:Agents"] = "50" } }.Start();
        var census = host.Services.GetRequiredService<AgentCensus>();

        await host.SignInAsync("1001");
        await host.SetStateAsync("1001", "READY");
        await host.SignInAsync("1002");
        await host.SignInAsync("1003");
        await host.AcceptedOrThrowAsync("1003", "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>");

        var chat = (await census.RecountAsync()).Mrds.Single(m => m.Id == 5000);

        Assert.Equal(1, chat.States[AgentState.Ready]);
        Assert.Equal(1, chat.States[AgentState.NotReady]);
        Assert.Equal(chat.Assigned - 2, chat.States[AgentState.Logout]);
        Assert.Equal(2, chat.SignedIn);
        Assert.Equal(0, (await census.RecountAsync()).Mrds.Single(m => m.Id == 5001).SignedIn);
    }
}
