using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Grains.Media;

/// <summary>The chaos layer's entry points into the grain: a failover, expired tasks, and RONA storms.</summary>
public sealed partial class MediaGrain
{
    /// <summary>
    /// The Finesse side the agent was signed in on went away: a signed-in agent falls to
    /// <paramref name="failoverState"/>, loses its sign-in options (they lived on that side, G125-167/168) and
    /// must sign in again. Publishes the Media Update. Returns false when the agent was not signed in.
    /// </summary>
    public async ValueTask<bool> FailOverAsync(AgentState failoverState)
    {
        var current = Media;
        if (!current.IsSignedIn)
        {
            return false;
        }

        var next = MediaStateMachine.FailOver(current, failoverState, Now) with { MaxDialogLimit = 0, InterruptAction = null, DialogLogoutAction = null };
        await SaveAsync(next);
        PublishMedia(null, next);

        // Tells the MRD's queue the agent can no longer take offers; live dialogs stay (the state after sign-in derives from them).
        AfterTurn();
        return true;
    }

    /// <summary>Ends the listed live dialogs as if their lifetime was exceeded (the task.expire fault).</summary>
    public async ValueTask<ImmutableArray<string>> ExpireDialogsAsync(ImmutableArray<string> dialogIds)
    {
        var ended = ImmutableArray.CreateBuilder<string>();
        foreach (var id in dialogIds)
        {
            if (_tasks.Find(id) is { } dialog)
            {
                await EndDialogAsync(dialog, DispositionCodes.MaxDialogLifetimeExceeded, Ending.Expired, null, null);
                ended.Add(id);
            }
        }

        return ended.ToImmutable();
    }

    /// <summary>How long an offer rings before RONA: zero when a task.rona fault hits it.</summary>
    private TimeSpan RingTime(string dialogId) =>
        services.Faults.Current?.RingsOut(_key, dialogId) == true ? TimeSpan.Zero : TimeSpan.FromSeconds(_mrd.TaskStartTimeoutSeconds);
}
