using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>One Update as this gateway's sessions receive it: the grain's rendered XML, shared by every session.</summary>
public sealed class Notification(NodeKey node, long sequence, string? requestId, string updateXml)
{
    public NodeKey Node { get; } = node;

    /// <summary>Position on the node in this gateway, from 1; per-node order is the order of these numbers.</summary>
    public long Sequence { get; } = sequence;

    public string? RequestId { get; } = requestId;

    /// <summary>The <c>&lt;Update&gt;</c> document.</summary>
    public string UpdateXml { get; } = updateXml;
}

/// <summary>A subscriber's inbox. Must not block: a full inbox answers false and the hub counts a drop.</summary>
public interface INotificationSink
{
    bool TryDeliver(Notification notification);
}

/// <summary>
/// Told of Updates that reached nobody because their node had no subscriber, and of new subscriptions. The
/// chaos layer uses it to account for Updates published while a fault had cut (or refused) the user's session.
/// May be called under a node's publish lock: must not block.
/// </summary>
public interface INotificationLossObserver
{
    /// <summary>Cheap filter: whether an Update published to nobody on <paramref name="node"/> is of interest.</summary>
    bool Watches(NodeKey node);

    /// <summary>An Update <see cref="Watches"/> asked for was published while its node had no subscriber.</summary>
    void PublishedToNobody(Notification notification);

    void Subscribed(NodeKey node);
}
