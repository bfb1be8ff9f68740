using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains.Media;

/// <summary>One agent in one Media Routing Domain: the Media object and the rules that change it.</summary>
public interface IMediaGrain
{
    /// <summary>The current Media state (GET).</summary>
    ValueTask<MediaState> GetStateAsync();

    /// <summary>
    /// Applies a validated Media PUT and publishes its one Update on the user's Media node: the new Media
    /// object, or an <c>apiErrors</c> document carrying <paramref name="requestId"/>. READY while READY publishes nothing.
    /// </summary>
    ValueTask<MediaOutcome> ApplyAsync(MediaRequest request, string? requestId);

    /// <summary>The agent's live dialogs in this MRD (offer order) and whether the MRD is interrupted.</summary>
    ValueTask<(ImmutableList<TaskDialog> Dialogs, bool Interrupted)> GetDialogsAsync();

    /// <summary>A dialog action by the agent holding the dialog (<c>PUT /finesse/api/Dialog/{id}</c>).</summary>
    /// <param name="target">The script selector of a TRANSFER.</param>
    ValueTask<DialogActResult> ActAsync(string dialogId, DialogAction action, string? target, string? requestId);

    /// <summary>An offer from the MRD's queue, accepted or refused in this grain's turn.</summary>
    ValueTask<OfferResult> TryOfferAsync(QueuedTask task);
}
