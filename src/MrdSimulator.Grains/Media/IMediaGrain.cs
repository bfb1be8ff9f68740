using MrdSimulator.Domain.Media;

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
}
