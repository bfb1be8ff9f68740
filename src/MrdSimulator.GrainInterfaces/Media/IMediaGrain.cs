using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.GrainInterfaces.Media;

/// <summary>
/// One agent in one Media Routing Domain (key <c>"{userId}/{mrdId}"</c>, see <see cref="MediaGrainKey"/>): the
/// Media object, the agent's live dialogs in that MRD, and the rules that change them.
/// </summary>
[Alias("IMediaGrain")]
public interface IMediaGrain : IGrainWithStringKey
{
    /// <summary>The current Media state (GET).</summary>
    [ReadOnly]
    [Alias("GetState")]
    ValueTask<MediaState> GetStateAsync();

    /// <summary>
    /// Applies a validated Media PUT and publishes its one Update on the user's Media node: the new Media object,
    /// or an <c>apiErrors</c> document carrying <paramref name="requestId"/>. READY while READY publishes nothing.
    /// </summary>
    [Alias("Apply")]
    ValueTask<MediaEffect> ApplyAsync(MediaRequest request, string? requestId);

    /// <summary>The agent's live dialogs in this MRD (offer order) and whether the MRD is interrupted.</summary>
    [ReadOnly]
    [Alias("GetDialogs")]
    ValueTask<DialogsView> GetDialogsAsync();

    /// <summary>A dialog action by the agent holding the dialog (<c>PUT /finesse/api/Dialog/{id}</c>).</summary>
    /// <param name="target">The script selector of a TRANSFER.</param>
    [Alias("Act")]
    ValueTask<DialogActResult> ActAsync(string dialogId, DialogAction action, string? target, string? requestId);

    /// <summary>An offer from the MRD's queue, accepted or refused in this grain's turn.</summary>
    [Alias("TryOffer")]
    ValueTask<OfferResult> TryOfferAsync(QueuedTask task);

    /// <summary>Work in the user's other MRDs started or ended (sent by those MRDs' grains).</summary>
    [Alias("Interrupt")]
    ValueTask InterruptAsync(ImmutableArray<InterruptChange> changes);

    /// <summary>
    /// Chaos: the Finesse side the agent was signed in on went away. A signed-in agent falls to
    /// <paramref name="failoverState"/> and must sign in again. False when the agent was not signed in.
    /// </summary>
    [Alias("FailOver")]
    ValueTask<bool> FailOverAsync(AgentState failoverState);

    /// <summary>Chaos (task.expire): ends these live dialogs as if their lifetime was exceeded; returns those it held.</summary>
    [Alias("ExpireDialogs")]
    ValueTask<ImmutableArray<string>> ExpireDialogsAsync(ImmutableArray<string> dialogIds);

    /// <summary>
    /// Delivers this pair's Updates to <paramref name="subscriber"/> until it unsubscribes or, when
    /// <paramref name="lease"/> is set, until the lease runs out without being renewed by another call.
    /// </summary>
    [Alias("Subscribe")]
    ValueTask SubscribeAsync(IUpdateSubscriber subscriber, TimeSpan? lease);

    [Alias("Unsubscribe")]
    ValueTask UnsubscribeAsync(IUpdateSubscriber subscriber);
}

/// <summary>The synchronous answer to a dialog action; everything else arrives as notifications.</summary>
[GenerateSerializer]
public enum DialogActResult
{
    /// <summary>Applied (202); Dialogs/Media notifications follow.</summary>
    Accepted,

    /// <summary>Refused asynchronously (202 then an apiErrors Update), e.g. while interrupted.</summary>
    AcceptedWithAsyncError,

    /// <summary>This agent holds no such dialog in this MRD (404).</summary>
    NotFound,

    /// <summary>The dialog's state does not allow the action (400 Invalid Input).</summary>
    NotAllowed,

    /// <summary>TRANSFER to a script selector that does not exist (400 Invalid Input).</summary>
    UnknownTarget,
}

/// <summary>An agent's live dialogs in one MRD, in offer order.</summary>
[GenerateSerializer, Immutable, Alias("DialogsView")]
public sealed record DialogsView(ImmutableList<TaskDialog> Dialogs, bool Interrupted);

/// <summary>Work in <paramref name="SourceMrdId"/> (not interruptible) started (<paramref name="On"/>) or ended.</summary>
[GenerateSerializer, Immutable]
public readonly record struct InterruptChange(int SourceMrdId, bool On);
