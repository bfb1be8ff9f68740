using MrdSimulator.Grains.Notifications;

namespace MrdSimulator.Grains.Tests.Notifications;

public sealed class NotificationHubTests
{
    private static readonly NodeKey Node = new("1000", NodeKind.Media);

    [Fact]
    public void EverySubscriberOfANodeSeesTheSameOrderUnderConcurrentPublishers()
    {
        using var hub = new NotificationHub();
        var a = new ListSink();
        var b = new ListSink();
        using var sa = hub.Subscribe(Node, a);
        using var sb = hub.Subscribe(Node, b);

        Parallel.For(0, 4_000, i => hub.Publish(Node, i.ToString(System.Globalization.CultureInfo.InvariantCulture), i, static x => $"<Update>{x}</Update>"));

        Assert.Equal(4_000, a.Items.Count);
        Assert.Equal(a.Items.Select(n => n.RequestId), b.Items.Select(n => n.RequestId));
        Assert.Equal(Enumerable.Range(1, 4_000).Select(i => (long)i), a.Items.Select(n => n.Sequence));
    }

    [Fact]
    public void ASubscriberThatCannotTakeMoreIsCountedAsDroppedWithoutAffectingOthers()
    {
        using var hub = new NotificationHub();
        var slow = new ListSink(capacity: 2);
        var fast = new ListSink();
        using var s1 = hub.Subscribe(Node, slow);
        using var s2 = hub.Subscribe(Node, fast);

        for (var i = 0; i < 10; i++)
        {
            hub.Publish(Node, null, i, static _ => "<Update/>");
        }

        Assert.Equal(2, slow.Items.Count);
        Assert.Equal(10, fast.Items.Count);
        Assert.Equal(8, hub.DroppedTotal);
        Assert.Equal(12, hub.DeliveredTotal);
    }

    [Fact]
    public void UnsubscribedSinkReceivesNothingMore()
    {
        using var hub = new NotificationHub();
        var sink = new ListSink();
        var subscription = hub.Subscribe(Node, sink);
        hub.Publish(Node, "1", 0, static _ => "<Update/>");
        subscription.Dispose();
        hub.Publish(Node, "2", 0, static _ => "<Update/>");

        Assert.Single(sink.Items);
        Assert.Equal(0, hub.SubscriberCount(Node));
    }

    [Fact]
    public void SubscribingWhileTheLastSubscriberLeavesNeverLosesTheNewSubscription()
    {
        using var hub = new NotificationHub();
        for (var round = 0; round < 2_000; round++)
        {
            var leaving = hub.Subscribe(Node, new ListSink());
            var joining = new ListSink();
            IDisposable? joined = null;
            Parallel.Invoke(leaving.Dispose, () => joined = hub.Subscribe(Node, joining));
            hub.Publish(Node, null, 0, static _ => "<Update/>");
            Assert.Single(joining.Items);
            joined!.Dispose();
        }
    }

    [Theory]
    [InlineData("/finesse/api/User/1001", "1001", NodeKind.User)]
    [InlineData("/finesse/api/User/1001/Media", "1001", NodeKind.Media)]
    [InlineData("/finesse/api/User/1001/Dialogs", "1001", NodeKind.Dialogs)]
    [InlineData("/finesse/api/User/1001/Dialogs/Media", "1001", NodeKind.DialogsMedia)]
    public void NodePathsRoundTrip(string path, string user, NodeKind kind)
    {
        Assert.True(NodeKey.TryParse(path, out var key));
        Assert.Equal(new NodeKey(user, kind), key);
        Assert.Equal(path, key.Path);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/finesse/api/User/")]
    [InlineData("/finesse/api/User/1001/Media/5000")]
    [InlineData("/finesse/api/SystemInfo")]
    public void UnknownNodePathsDoNotParse(string? path) => Assert.False(NodeKey.TryParse(path, out _));

    private sealed class ListSink(int capacity = int.MaxValue) : INotificationSink
    {
        private readonly List<Notification> _items = [];

        public List<Notification> Items
        {
            get
            {
                lock (_items)
                {
                    return [.. _items];
                }
            }
        }

        public bool TryDeliver(Notification notification)
        {
            lock (_items)
            {
                if (_items.Count >= capacity)
                {
                    return false;
                }

                _items.Add(notification);
                return true;
            }
        }
    }
}
