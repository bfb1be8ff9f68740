using System.Collections.Immutable;

namespace MrdSimulator.GrainInterfaces.Notifications;

/// <summary>
/// One Update a Media grain published: the rendered <c>&lt;Update&gt;</c> XML and where it belongs. Rendered once
/// in the grain, only when someone subscribes, and shared by every session that receives it.
/// </summary>
/// <param name="MrdId">The agent×MRD pair that published it: with <paramref name="Epoch"/> and
/// <paramref name="Sequence"/>, the source whose order a receiver checks.</param>
/// <param name="Epoch">Identifies the publishing activation; a new activation starts a new sequence.</param>
/// <param name="Sequence">Position among the Updates of this activation, from 1 and without gaps.</param>
/// <param name="TraceParent">The W3C trace context of the grain call that published it (when traced), so delivery
/// continues the request's trace across the outbox and processes.</param>
/// <param name="Replay">Published again by a new activation because its previous one may have died before delivering
/// it; a receiver that already delivered the same Update drops it.</param>
/// <param name="Version">The version of the grain state the Update describes (it counts the state's writes, which
/// etags serialize across activations): a receiver drops an Update older than one it delivered, so after a silo
/// failure a late Update of a superseded activation never takes a session back in time.</param>
[GenerateSerializer, Immutable, Alias("Update")]
public sealed record Update(string UserId, NodeKind Node, int MrdId, long Epoch, long Sequence, string? RequestId, string Xml, string? TraceParent = null, bool Replay = false, long Version = 0)
{
    public NodeKey NodeKey => new(UserId, Node);
}

/// <summary>
/// Receives the Updates of the Media grains it subscribed to: a gateway's relay (an observer, which hands them
/// to that process's XMPP and SSE sessions) or a bot grain. Each subscriber receives the Updates of one source in
/// the order they were published, in batches.
/// </summary>
[Alias("IUpdateSubscriber")]
public interface IUpdateSubscriber : IGrainObserver
{
    /// <summary>A slow or vanished subscriber may hold a publishing silo's outbox for this long, never a grain.</summary>
    [ResponseTimeout("00:00:05")]
    [Alias("OnUpdates")]
    Task OnUpdatesAsync(ImmutableArray<Update> updates);
}
