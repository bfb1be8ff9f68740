namespace MrdSimulator.Grains.Notifications;

/// <summary>
/// One published Update. The XML is rendered on first use and shared by every subscriber, so a node
/// nobody listens to costs no serialisation.
/// </summary>
public sealed class Notification(NodeKey node, long sequence, string? requestId, Func<string> render)
{
    private string? _updateXml;

    public NodeKey Node { get; } = node;

    /// <summary>Position on the node, from 1; per-node order is the order of these numbers.</summary>
    public long Sequence { get; } = sequence;

    public string? RequestId { get; } = requestId;

    /// <summary>The <c>&lt;Update&gt;</c> document. Renders at most a few times under a race; the result is identical.</summary>
    public string UpdateXml => _updateXml ??= render();
}

/// <summary>A subscriber's inbox. Must not block: a full inbox answers false and the hub counts a drop.</summary>
public interface INotificationSink
{
    bool TryDeliver(Notification notification);
}
