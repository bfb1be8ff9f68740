using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.Gateway.Observability.Tracing;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// This gateway's publish/subscribe over Finesse's per-user nodes: the Updates the grains send this process
/// (<see cref="NotificationRelay"/>) go to the sessions it holds. Publishing on a node is serialised, so every
/// subscriber of a node sees its Updates in one order, the order they arrived. Delivery never waits on a
/// subscriber: transports give each session a bounded inbox.
/// </summary>
public sealed class NotificationHub
{
    public const string MeterName = "MrdSimulator.Notifications";

    private readonly ConcurrentDictionary<NodeKey, Topic> _topics = new();
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _dropped;
    private long _receivedTotal;
    private long _deliveredTotal;
    private long _droppedTotal;

    public NotificationHub(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("mrdsim.notifications.received", unit: "{update}", description: "Updates that reached this process's sessions' nodes");
        _delivered = meter.CreateCounter<long>("mrdsim.notifications.delivered", unit: "{update}", description: "Updates handed to a session");
        _dropped = meter.CreateCounter<long>("mrdsim.notifications.dropped", unit: "{update}", description: "Updates a session could not take (inbox full)");
    }

    /// <summary>Sees every Update before delivery; the chaos layer uses it to drop, delay or duplicate.</summary>
    public Func<Notification, Action<Notification>, bool>? Interceptor { get; set; }

    /// <summary>Sees Updates published to nobody and new subscriptions (chaos accounting); null costs one check.</summary>
    public INotificationLossObserver? LossObserver { get; set; }

    /// <summary>Updates that reached this process (from the grains, through <see cref="NotificationRelay"/>).</summary>
    public long ReceivedTotal => Interlocked.Read(ref _receivedTotal);

    public long DeliveredTotal => Interlocked.Read(ref _deliveredTotal);

    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);

    public IDisposable Subscribe(NodeKey node, INotificationSink sink)
    {
        while (true)
        {
            var topic = _topics.GetOrAdd(node, static _ => new Topic());
            lock (topic)
            {
                // The last subscriber may have just left and retired this topic; take the next one.
                if (topic.Retired)
                {
                    continue;
                }

                topic.Sinks = [.. topic.Sinks, sink];
            }

            LossObserver?.Subscribed(node);
            return new Subscription(this, node, topic, sink);
        }
    }

    public int SubscriberCount(NodeKey node) => _topics.TryGetValue(node, out var topic) ? topic.Sinks.Length : 0;

    /// <summary>Publishes one Update on its node to this gateway's sessions.</summary>
    public void Publish(Update update)
    {
        var node = update.NodeKey;
        Interlocked.Increment(ref _receivedTotal);
        _received.Add(1);
        if (!_topics.TryGetValue(node, out var topic))
        {
            ReportNobody(node, update);
            return;
        }

        lock (topic)
        {
            if (topic.Sinks.Length == 0)
            {
                ReportNobody(node, update);
                return;
            }

            // A child of the grain call that published the Update (its context travels with it), not of whatever runs now.
            using var activity = SimulatorActivity.Source.StartActivity("notification publish", ActivityKind.Producer, update.TraceParent);
            activity?.SetTag("mrdsim.notification.node", node.Path);
            activity?.SetTag("mrdsim.notification.subscribers", topic.Sinks.Length);

            var notification = new Notification(node, ++topic.Sequence, update.RequestId, update.Xml);
            if (Interceptor is { } intercept && intercept(notification, n => Deliver(topic, n)))
            {
                return;
            }

            Deliver(topic, notification);
        }
    }

    private void ReportNobody(NodeKey node, Update update)
    {
        if (LossObserver is { } observer && observer.Watches(node))
        {
            // Sequence 0: the node has no live topic, so the Update never got a place in its order.
            observer.PublishedToNobody(new Notification(node, 0, update.RequestId, update.Xml));
        }
    }

    private void Deliver(Topic topic, Notification notification)
    {
        foreach (var sink in topic.Sinks)
        {
            if (sink.TryDeliver(notification))
            {
                Interlocked.Increment(ref _deliveredTotal);
                _delivered.Add(1);
            }
            else
            {
                Interlocked.Increment(ref _droppedTotal);
                _dropped.Add(1);
            }
        }
    }

    private void Unsubscribe(NodeKey node, Topic topic, INotificationSink sink)
    {
        lock (topic)
        {
            topic.Sinks = [.. topic.Sinks.Where(s => !ReferenceEquals(s, sink))];
            if (topic.Sinks.Length == 0)
            {
                topic.Retired = true;
                _topics.TryRemove(new KeyValuePair<NodeKey, Topic>(node, topic));
            }
        }
    }

    private sealed class Topic
    {
        public INotificationSink[] Sinks { get; set; } = [];

        public long Sequence { get; set; }

        public bool Retired { get; set; }
    }

    private sealed class Subscription(NotificationHub hub, NodeKey node, Topic topic, INotificationSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Unsubscribe(node, topic, sink);
            }
        }
    }
}
