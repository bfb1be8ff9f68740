using System.Collections.Immutable;
using MrdSimulator.Domain.Errors;
using Orleans;

namespace MrdSimulator.Domain.Media;

[GenerateSerializer]
public enum MediaEffect
{
    /// <summary>Publish the new Media object.</summary>
    Publish,

    /// <summary>Publish nothing (READY while already READY).</summary>
    Silent,

    /// <summary>Publish the asynchronous error; the state may still have changed (repeated sign-in).</summary>
    Error,
}

/// <param name="EndedDialogs">Dialogs the sign-out ended; the caller closes or transfers them per <see cref="MediaState.DialogLogoutAction"/>.</param>
public readonly record struct MediaOutcome(MediaState State, MediaEffect Effect, ArmError? Error = null, ImmutableArray<DialogSummary> EndedDialogs = default)
{
    public static MediaOutcome Fail(MediaState state, ArmError error) => new(state, MediaEffect.Error, error);
}

/// <summary>
/// The back-end (ARM) rules of one agent in one MRD. Synchronous validation (XML, enums, reason codes,
/// authorisation) happens before a request gets here; what is refused here is refused asynchronously.
/// </summary>
public static class MediaStateMachine
{
    public static MediaOutcome Apply(MediaState current, MediaRequest request, MediaContext context)
    {
        if (request.Routable is { } routable)
        {
            return SetRoutable(current, routable);
        }

        return request.State switch
        {
            AgentState.Login => SignIn(current, request, context),
            _ when !current.IsSignedIn => MediaOutcome.Fail(current, ArmError.AgentNotLoggedIn),
            AgentState.Ready => Ready(current, context.Now),
            AgentState.NotReady => NotReady(current, request.ReasonCodeId ?? -1, context.Now),
            AgentState.Logout => SignOut(current, request.ReasonCodeId ?? -1, context.Now),
            _ => throw new ArgumentException($"State {request.State} cannot be requested", nameof(request)),
        };
    }

    /// <summary>Recomputes the state after the agent's dialogs in this MRD changed.</summary>
    public static MediaState WithDialogs(MediaState current, ImmutableArray<DialogSummary> dialogs, DateTime now)
    {
        var next = current with { Dialogs = dialogs };
        if (next.PendingRoutable is { } pending && !HasPendingTasks(dialogs))
        {
            next = next with { Routable = pending, PendingRoutable = null };
        }

        return Derive(next, now);
    }

    /// <summary>Starts or ends an interrupt from another MRD. Only ACCEPT on an interruptible MRD shows it.</summary>
    public static MediaState WithInterrupt(MediaState current, bool interrupted, bool mrdInterruptible, DateTime now)
    {
        if (!current.IsSignedIn || !mrdInterruptible || current.InterruptAction != InterruptAction.Accept)
        {
            return current;
        }

        return Derive(current with { Interrupted = interrupted }, now);
    }

    /// <summary>RONA: CCE makes the agent not routable when an offer is not accepted in time.</summary>
    public static MediaState MakeNotRoutable(MediaState current) => current with { Routable = false, PendingRoutable = null };

    /// <summary>The Finesse side the agent was signed in on went away: the agent must sign in again.</summary>
    public static MediaState FailOver(MediaState current, AgentState failoverState, DateTime now) =>
        current.IsSignedIn
            ? current with { State = failoverState, Routable = false, PendingRoutable = null, ReasonCodeId = -1, Interrupted = false, StateChangeTime = now }
            : current;

    private static MediaOutcome SignIn(MediaState current, MediaRequest request, MediaContext context)
    {
        if (context.Mrd.IsVoice)
        {
            return MediaOutcome.Fail(current, ArmError.CantLoginToVoiceMrd);
        }

        if (!context.Assigned)
        {
            return MediaOutcome.Fail(current, ArmError.MrdListEntryNotFound);
        }

        var settings = current with
        {
            MaxDialogLimit = request.MaxDialogLimit ?? current.MaxDialogLimit,
            InterruptAction = request.InterruptAction ?? current.InterruptAction,
            DialogLogoutAction = request.DialogLogoutAction ?? DialogLogoutAction.Close,
        };

        // Finesse answers a repeated sign-in with "already logged in" yet applies the new options (G125-167).
        if (current.IsSignedIn)
        {
            return MediaOutcome.Fail(settings, ArmError.AgentAlreadyLoggedIn);
        }

        var signedIn = settings with
        {
            State = AgentState.Login,
            Availability = AgentState.NotReady,
            Routable = true,
            PendingRoutable = null,
            ReasonCodeId = -1,
            Interrupted = false,
        };

        // LOGIN is transient: the agent lands in NOT_READY, or in the state its surviving tasks give after a failover.
        return new MediaOutcome(Derive(signedIn, context.Now, force: true), MediaEffect.Publish);
    }

    private static MediaOutcome Ready(MediaState current, DateTime now)
    {
        if (current.Availability == AgentState.Ready)
        {
            return new MediaOutcome(current, MediaEffect.Silent);
        }

        var next = current with { Availability = AgentState.Ready, Routable = true, PendingRoutable = null, ReasonCodeId = -1 };
        return new MediaOutcome(Derive(next, now), MediaEffect.Publish);
    }

    private static MediaOutcome NotReady(MediaState current, int reasonCodeId, DateTime now)
    {
        foreach (var dialog in current.Dialogs)
        {
            if (dialog.State == DialogState.Offered)
            {
                return MediaOutcome.Fail(current, ArmError.TaskSentRecently);
            }
        }

        var next = current with { Availability = AgentState.NotReady, ReasonCodeId = reasonCodeId };
        return new MediaOutcome(Derive(next, now, force: reasonCodeId != current.ReasonCodeId), MediaEffect.Publish);
    }

    private static MediaOutcome SignOut(MediaState current, int reasonCodeId, DateTime now)
    {
        var next = current with
        {
            State = AgentState.Logout,
            Availability = AgentState.NotReady,
            Routable = false,
            PendingRoutable = null,
            ReasonCodeId = reasonCodeId,
            Interrupted = false,
            Dialogs = [],
            StateChangeTime = now,
        };
        return new MediaOutcome(next, MediaEffect.Publish, EndedDialogs: current.Dialogs);
    }

    private static MediaOutcome SetRoutable(MediaState current, bool routable)
    {
        if (!current.IsSignedIn)
        {
            return MediaOutcome.Fail(current, ArmError.AgentNotLoggedIn);
        }

        var effective = current.PendingRoutable ?? current.Routable;
        if (effective == routable)
        {
            return MediaOutcome.Fail(current, ArmError.AlreadyInRequestedAgentMode);
        }

        // Not routable waits for offered and accepted-but-not-started tasks to start (G125-172).
        var next = !routable && HasPendingTasks(current.Dialogs)
            ? current with { PendingRoutable = false }
            : current with { Routable = routable, PendingRoutable = null };
        return new MediaOutcome(next, MediaEffect.Publish);
    }

    private static bool HasPendingTasks(ImmutableArray<DialogSummary> dialogs)
    {
        foreach (var dialog in dialogs)
        {
            if (dialog.State is DialogState.Offered or DialogState.Accepted)
            {
                return true;
            }
        }

        return false;
    }

    private static MediaState Derive(MediaState state, DateTime now, bool force = false)
    {
        var derived = MediaHierarchy.Aggregate(state.Availability, state.Interrupted, state.Dialogs.AsSpan());
        return derived == state.State && !force ? state : state with { State = derived, StateChangeTime = now };
    }
}

/// <summary>What the state machine needs to know beyond the state: the MRD, whether the agent is assigned to it, and the time.</summary>
public readonly record struct MediaContext(Directory.MediaRoutingDomain Mrd, bool Assigned, DateTime Now);
