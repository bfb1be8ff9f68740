using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Tests.Media;

/// <summary>The Media grain's contract with its subscribers, on two silos (the subscriber is a cluster client).</summary>
public sealed class MediaGrainTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private readonly SimulatorCluster _silo = fixture.Cluster;

    [Fact]
    public async Task EveryAcceptedRequestPublishesExactlyOneUpdateWithItsRequestIdInOrder()
    {
        await using var media = await _silo.RecordAsync("1000", NodeKind.Media);
        var grain = _silo.Media("1000", 5000);

        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r1");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r2");
        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r3");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Logout, 2001), "r4");
        await _silo.SettleAsync();

        var received = media.Received;
        Assert.Equal(["r1", "r2", "r3", "r4"], received.Select(u => u.RequestId));
        Assert.Contains("<state>NOT_READY</state>", received[0].Xml, StringComparison.Ordinal);
        Assert.Contains("<errorMessage>E_ARM_STAT_AGENT_ALREADY_LOGGED_IN</errorMessage>", received[2].Xml, StringComparison.Ordinal);
        Assert.Contains("<state>LOGOUT</state>", received[3].Xml, StringComparison.Ordinal);

        // One source, numbered without gaps: a receiver can tell a lost Update from a quiet agent.
        Assert.Single(received.Select(u => u.Epoch).Distinct());
        Assert.Equal(Enumerable.Range((int)received[0].Sequence, 4).Select(i => (long)i), received.Select(u => u.Sequence));
    }

    [Fact]
    public async Task ReadyWhileReadyPublishesNothing()
    {
        await using var media = await _silo.RecordAsync("1001", NodeKind.Media);
        var grain = _silo.Media("1001", 5000);
        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r1");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r2");

        var effect = await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r3");
        await _silo.SettleAsync();

        Assert.Equal(MediaEffect.Silent, effect);
        Assert.Equal(["r1", "r2"], media.Received.Select(u => u.RequestId));
    }

    [Fact]
    public async Task AllMrdsOfAUserPublishOnTheOneMediaNode()
    {
        await using var media = await _silo.RecordAsync("1002", NodeKind.Media);
        await _silo.Media("1002", 5000).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "chat");
        await _silo.Media("1002", 5002).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "task");
        await _silo.Media("1003", 5000).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "other user");
        await _silo.SettleAsync();

        Assert.Equal(["chat", "task"], media.Received.Select(u => u.RequestId));
        Assert.Contains("<source>/finesse/api/User/1002/Media/5002</source>", media.Received[1].Xml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateAndSubscriptionsSurviveDeactivationAndMoveToTheOtherSilo()
    {
        await using var media = await _silo.RecordAsync("1004", NodeKind.Media);
        var grain = _silo.Media("1004", 5001);
        await grain.ApplyAsync(MediaRequest.Login(4, InterruptAction.Ignore), "before");
        var before = await grain.GetStateAsync();

        await _silo.Cluster.DeactivateAsync(grain);
        Assert.Equal(before, await grain.GetStateAsync());

        // Wherever it comes back, the subscriber still gets the next Update, numbered afresh. The reactivated grain
        // also replays its last change, marked as a replay, in case the old activation died before delivering it.
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "after");
        await _silo.SettleAsync();
        var fresh = media.Received.Where(u => !u.Replay).ToList();
        Assert.Equal(["before", "after"], fresh.Select(u => u.RequestId));
        Assert.NotEqual(fresh[0].Epoch, fresh[1].Epoch);
        var replay = Assert.Single(media.Received, u => u.Replay);
        Assert.Equal(fresh[0].Xml, replay.Xml);
    }
}
