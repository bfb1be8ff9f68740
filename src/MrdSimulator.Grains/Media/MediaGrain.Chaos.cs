using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Grains.Media;

/// <summary>The chaos layer's entry points into the grain: a refused request and a failover.</summary>
public sealed partial class MediaGrain
{
    /// <summary>
    /// The Finesse side the agent was signed in on went away: a signed-in agent falls to
    /// <paramref name="failoverState"/>, loses its sign-in options (they lived on that side, G125-167/168) and
    /// must sign in again. Publishes the Media Update. Returns false when the agent was not signed in.
    /// </summary>
    public async ValueTask<bool> FailOverAsync(AgentState failoverState)
    {
        var current = _state.State;
        if (!current.IsSignedIn)
        {
            return false;
        }

        var mrd = services.Directory.FindMrd(key.MrdId) ?? throw new InvalidOperationException($"Unknown MRD {key.MrdId}");
        var next = MediaStateMachine.FailOver(current, failoverState, services.Time.GetUtcNow().UtcDateTime)
            with { MaxDialogLimit = 0, InterruptAction = null, DialogLogoutAction = null };
        await SaveAsync(next).ConfigureAwait(false);
        PublishMedia(null, mrd, next);
        // Tells the MRD's queue the agent can no longer take offers; live dialogs stay (the state after sign-in derives from them).
        AfterTurn(mrd);
        return true;
    }

    private MediaOutcome? RefusedByFault(MediaRequest request, string? requestId, MediaRoutingDomain mrd)
    {
        if (services.Faults.Current?.BeforeApply(key, request, _state.State) is not { } error)
        {
            return null;
        }

        PublishError(requestId, ApiError.FromArm(error, mrd.Id));
        return MediaOutcome.Fail(_state.State, error);
    }
}
