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

    /// <summary>
    /// Ends the live dialogs <paramref name="expire"/> picks as if their lifetime was exceeded (the task.expire
    /// fault). Returns the ids of the dialogs ended.
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> ExpireTasksAsync(Func<string, bool> expire)
    {
        var ended = new List<string>();
        foreach (var dialog in Tasks.Dialogs.ToList())
        {
            if (expire(dialog.Id))
            {
                StopTimer(_lifeTimers, dialog.Id);
                StopTimer(_ronaTimers, dialog.Id);
                await LifetimeExceededAsync(dialog.Id).ConfigureAwait(false);
                ended.Add(dialog.Id);
            }
        }

        return ended;
    }

    /// <summary>How long an offer rings before RONA: zero when a task.rona fault hits it.</summary>
    private TimeSpan RingTime(MediaRoutingDomain mrd, string dialogId) =>
        services.Faults.Current?.RingsOut(key, dialogId) == true ? TimeSpan.Zero : TimeSpan.FromSeconds(mrd.TaskStartTimeoutSeconds);

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
