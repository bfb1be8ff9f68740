using System.Collections.Concurrent;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Notifications;

namespace MrdSimulator.Grains.Tests.Media;

public sealed class MediaGrainTests : IAsyncLifetime
{
    private readonly Silo _silo = new(DemoDirectory.Create(agents: 20));
    private readonly Inbox _inbox = new();
    private IDisposable? _subscription;

    public Task InitializeAsync()
    {
        _subscription = _silo.Hub.Subscribe(new NodeKey("1000", NodeKind.Media), _inbox);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _subscription?.Dispose();
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task EveryAcceptedRequestPublishesExactlyOneUpdateWithItsRequestId()
    {
        var grain = _silo.GetMediaGrain("1000", 5000);

        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r1");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r2");
        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r3");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Logout, 2001), "r4");

        Assert.Equal(["r1", "r2", "r3", "r4"], _inbox.Items.Select(n => n.RequestId));
        Assert.Contains("<state>NOT_READY</state>", _inbox.Items[0].UpdateXml, StringComparison.Ordinal);
        Assert.Contains("<errorMessage>E_ARM_STAT_AGENT_ALREADY_LOGGED_IN</errorMessage>", _inbox.Items[2].UpdateXml, StringComparison.Ordinal);
        Assert.Contains("<state>LOGOUT</state>", _inbox.Items[3].UpdateXml, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L, 4L], _inbox.Items.Select(n => n.Sequence));
    }

    [Fact]
    public async Task ReadyWhileReadyPublishesNothing()
    {
        var grain = _silo.GetMediaGrain("1000", 5000);
        await grain.ApplyAsync(MediaRequest.Login(3, InterruptAction.Accept), "r1");
        await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r2");

        var outcome = await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), "r3");

        Assert.Equal(MediaEffect.Silent, outcome.Effect);
        Assert.Equal(["r1", "r2"], _inbox.Items.Select(n => n.RequestId));
    }

    [Fact]
    public async Task AllMrdsOfAUserPublishOnTheOneMediaNode()
    {
        await _silo.GetMediaGrain("1000", 5000).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "chat");
        await _silo.GetMediaGrain("1000", 5002).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "task");
        await _silo.GetMediaGrain("1001", 5000).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), "other user");

        Assert.Equal(["chat", "task"], _inbox.Items.Select(n => n.RequestId));
        Assert.Contains("<source>/finesse/api/User/1000/Media/5002</source>", _inbox.Items[1].UpdateXml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateSurvivesDeactivation()
    {
        var grain = _silo.GetMediaGrain("1000", 5001);
        await grain.ApplyAsync(MediaRequest.Login(4, InterruptAction.Ignore), null);

        var before = await grain.GetStateAsync();
        Assert.True(_silo.MediaGrains.IsActive(new("1000", 5001)));
        await WaitUntilCollected(new("1000", 5001));

        Assert.Equal(before, await grain.GetStateAsync());
    }

    [Fact]
    public async Task UnsubscribedNodesRenderNothing()
    {
        var renders = 0;
        _silo.Hub.Publish(new NodeKey("1019", NodeKind.Media), null, 0, _ => { Interlocked.Increment(ref renders); return "<Update/>"; });

        await _silo.GetMediaGrain("1019", 5000).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), null);

        Assert.Equal(0, renders);
        Assert.Equal(2, _silo.Hub.PublishedTotal);
    }

    private async Task WaitUntilCollected(MediaGrainKey key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_silo.MediaGrains.IsActive(key))
        {
            _silo.MediaGrains.CollectIdle(TimeSpan.Zero);
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(5);
        }
    }

    private sealed class Inbox : INotificationSink
    {
        private readonly ConcurrentQueue<Notification> _items = new();

        public List<Notification> Items => [.. _items];

        public bool TryDeliver(Notification notification)
        {
            _items.Enqueue(notification);
            return true;
        }
    }
}
