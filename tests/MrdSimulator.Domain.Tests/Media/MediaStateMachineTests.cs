using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Domain.Tests.Media;

/// <summary>Every row of the reference's state table (§5.2), allowed and refused, and the sign-in rules of §4.1.</summary>
public sealed class MediaStateMachineTests
{
    private static readonly DateTime Now = new(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
    private static readonly MediaRoutingDomain Chat = new(5000, "Chat", "Chat", MrdType.Multichannel, false);
    private static readonly MediaRoutingDomain Email = new(5001, "Email", "Email", MrdType.Multichannel, true);
    private static readonly MediaRoutingDomain Voice = new(1, "Cisco_Voice", "Voice", MrdType.Voice, false);
    private static readonly MediaContext InChat = new(Chat, true, Now);

    private static MediaState SignedIn(AgentState availability = AgentState.NotReady, params DialogState[] dialogs)
    {
        var state = Apply(MediaState.Initial, MediaRequest.Login(3, InterruptAction.Accept)).State;
        if (availability == AgentState.Ready)
        {
            state = Apply(state, MediaRequest.ChangeState(AgentState.Ready)).State;
        }

        return MediaStateMachine.WithDialogs(state, [.. dialogs.Select((d, i) => new DialogSummary($"1_{i}_1", d))], Now);
    }

    private static MediaOutcome Apply(MediaState state, MediaRequest request, MediaContext? context = null) =>
        MediaStateMachine.Apply(state, request, context ?? InChat);

    [Fact]
    public void SignInPutsTheAgentInNotReadyRoutableWithNoReasonCode()
    {
        var outcome = Apply(MediaState.Initial, MediaRequest.Login(3, InterruptAction.Ignore, DialogLogoutAction.Transfer));

        Assert.Equal(MediaEffect.Publish, outcome.Effect);
        Assert.Equal(AgentState.NotReady, outcome.State.State);
        Assert.True(outcome.State.Routable);
        Assert.Equal(-1, outcome.State.ReasonCodeId);
        Assert.Equal(3, outcome.State.MaxDialogLimit);
        Assert.Equal(InterruptAction.Ignore, outcome.State.InterruptAction);
        Assert.Equal(DialogLogoutAction.Transfer, outcome.State.DialogLogoutAction);
        Assert.Equal(Now, outcome.State.StateChangeTime);
    }

    [Fact]
    public void SignInWithoutDialogLogoutActionDefaultsToClose() =>
        Assert.Equal(DialogLogoutAction.Close, Apply(MediaState.Initial, MediaRequest.Login(1, InterruptAction.Accept)).State.DialogLogoutAction);

    [Theory]
    [InlineData(AgentState.NotReady)]
    [InlineData(AgentState.Ready)]
    public void RepeatedSignInFailsAsAlreadyLoggedInButAppliesTheNewOptions(AgentState availability)
    {
        var before = SignedIn(availability);

        var outcome = Apply(before, MediaRequest.Login(7, InterruptAction.Ignore, DialogLogoutAction.Transfer));

        Assert.Equal(MediaEffect.Error, outcome.Effect);
        Assert.Same(ArmError.AgentAlreadyLoggedIn, outcome.Error);
        Assert.Equal(before.State, outcome.State.State);
        Assert.Equal(before.StateChangeTime, outcome.State.StateChangeTime);
        Assert.Equal(7, outcome.State.MaxDialogLimit);
        Assert.Equal(InterruptAction.Ignore, outcome.State.InterruptAction);
        Assert.Equal(DialogLogoutAction.Transfer, outcome.State.DialogLogoutAction);
    }

    [Fact]
    public void SignInToTheVoiceMrdIsRefused()
    {
        var outcome = Apply(MediaState.Initial, MediaRequest.Login(1, InterruptAction.Accept), new MediaContext(Voice, false, Now));

        Assert.Same(ArmError.CantLoginToVoiceMrd, outcome.Error);
        Assert.Same(MediaState.Initial, outcome.State);
    }

    [Fact]
    public void SignInToAnMrdTheAgentIsNotAssignedToIsRefused()
    {
        var outcome = Apply(MediaState.Initial, MediaRequest.Login(1, InterruptAction.Accept), new MediaContext(Chat, false, Now));

        Assert.Same(ArmError.MrdListEntryNotFound, outcome.Error);
        Assert.False(outcome.State.IsSignedIn);
    }

    public static TheoryData<MediaRequest> SignedOutRequests => new()
    {
        MediaRequest.ChangeState(AgentState.Ready),
        MediaRequest.ChangeState(AgentState.NotReady, 1001),
        MediaRequest.ChangeState(AgentState.Logout),
        MediaRequest.SetRoutable(true),
        MediaRequest.SetRoutable(false),
    };

    [Theory]
    [MemberData(nameof(SignedOutRequests))]
    public void EveryActionWhileSignedOutFailsAsNotLoggedIn(MediaRequest request)
    {
        var outcome = Apply(MediaState.Initial, request);

        Assert.Same(ArmError.AgentNotLoggedIn, outcome.Error);
        Assert.Same(MediaState.Initial, outcome.State);
    }

    [Theory]
    [MemberData(nameof(SignedOutRequests))]
    public void EveryActionAfterFailoverFailsUntilTheAgentSignsInAgain(MediaRequest request)
    {
        var failedOver = MediaStateMachine.FailOver(SignedIn(AgentState.Ready), AgentState.WorkNotReady, Now);

        Assert.Same(ArmError.AgentNotLoggedIn, Apply(failedOver, request).Error);
    }

    [Fact]
    public void SignInAfterFailoverDerivesTheStateFromSurvivingTasks()
    {
        var working = SignedIn(AgentState.Ready, DialogState.Active);
        var failedOver = MediaStateMachine.FailOver(working, AgentState.WorkNotReady, Now);
        Assert.Equal(AgentState.WorkNotReady, failedOver.State);

        var outcome = Apply(failedOver, MediaRequest.Login(3, InterruptAction.Accept));

        Assert.Equal(MediaEffect.Publish, outcome.Effect);
        Assert.Equal(AgentState.Active, outcome.State.State);
    }

    [Fact]
    public void NotReadyToReadyMakesTheAgentRoutable()
    {
        var notRoutable = Apply(SignedIn(), MediaRequest.SetRoutable(false)).State;

        var outcome = Apply(notRoutable, MediaRequest.ChangeState(AgentState.Ready));

        Assert.Equal(MediaEffect.Publish, outcome.Effect);
        Assert.Equal(AgentState.Ready, outcome.State.State);
        Assert.True(outcome.State.Routable);
    }

    [Fact]
    public void ReadyWhileReadyIsSilent()
    {
        var ready = SignedIn(AgentState.Ready);

        var outcome = Apply(ready, MediaRequest.ChangeState(AgentState.Ready));

        Assert.Equal(MediaEffect.Silent, outcome.Effect);
        Assert.Same(ready, outcome.State);
    }

    [Fact]
    public void ReadyToNotReadyRecordsTheReasonCode()
    {
        var outcome = Apply(SignedIn(AgentState.Ready), MediaRequest.ChangeState(AgentState.NotReady, 1002));

        Assert.Equal(AgentState.NotReady, outcome.State.State);
        Assert.Equal(1002, outcome.State.ReasonCodeId);
        Assert.Equal(MediaEffect.Publish, outcome.Effect);
    }

    [Theory]
    [InlineData(AgentState.Ready)]
    [InlineData(AgentState.NotReady)]
    public void SignOutFromAvailabilityStatesEndsInLogoutNotRoutable(AgentState availability)
    {
        var outcome = Apply(SignedIn(availability), MediaRequest.ChangeState(AgentState.Logout, 2001));

        Assert.Equal(AgentState.Logout, outcome.State.State);
        Assert.False(outcome.State.Routable);
        Assert.Equal(2001, outcome.State.ReasonCodeId);
        Assert.True(outcome.EndedDialogs.IsEmpty);
    }

    [Theory]
    [InlineData(AgentState.Active, DialogState.Active)]
    [InlineData(AgentState.Active, DialogState.Accepted)]
    [InlineData(AgentState.WorkReady, DialogState.WrappingUp)]
    [InlineData(AgentState.Paused, DialogState.Paused)]
    public void TaskStatesAllowNotReady(AgentState expected, DialogState dialog)
    {
        var working = SignedIn(AgentState.Ready, dialog);
        Assert.Equal(expected, working.State);

        var outcome = Apply(working, MediaRequest.ChangeState(AgentState.NotReady, 1001));

        Assert.Equal(MediaEffect.Publish, outcome.Effect);
        Assert.Equal(expected, outcome.State.State);
        Assert.Equal(AgentState.NotReady, outcome.State.Availability);
    }

    [Fact]
    public void NotReadyWhileATaskIsOfferedIsRefused()
    {
        var reserved = SignedIn(AgentState.Ready, DialogState.Offered);
        Assert.Equal(AgentState.Reserved, reserved.State);

        var outcome = Apply(reserved, MediaRequest.ChangeState(AgentState.NotReady, 1001));

        Assert.Same(ArmError.TaskSentRecently, outcome.Error);
        Assert.Same(reserved, outcome.State);
    }

    [Theory]
    [InlineData(DialogState.Offered)]
    [InlineData(DialogState.Active)]
    [InlineData(DialogState.WrappingUp)]
    [InlineData(DialogState.Paused)]
    public void SignOutFromTaskStatesEndsEveryLiveDialog(DialogState dialog)
    {
        var working = SignedIn(AgentState.Ready, dialog, DialogState.Active);

        var outcome = Apply(working, MediaRequest.ChangeState(AgentState.Logout));

        Assert.Equal(AgentState.Logout, outcome.State.State);
        Assert.Equal(2, outcome.EndedDialogs.Length);
        Assert.Empty(outcome.State.Dialogs);
    }

    [Fact]
    public void InterruptedAgentMayGoNotReadyOrSignOut()
    {
        var interrupted = MediaStateMachine.WithInterrupt(SignedIn(AgentState.Ready, DialogState.Active), true, mrdInterruptible: true, Now);
        Assert.Equal(AgentState.Interrupted, interrupted.State);

        Assert.Equal(AgentState.Interrupted, Apply(interrupted, MediaRequest.ChangeState(AgentState.NotReady, 1001)).State.State);
        Assert.Equal(AgentState.Logout, Apply(interrupted, MediaRequest.ChangeState(AgentState.Logout)).State.State);
    }

    [Fact]
    public void InterruptIsIgnoredWhenTheAgentSignedInWithIgnore()
    {
        var ignoring = Apply(MediaState.Initial, MediaRequest.Login(3, InterruptAction.Ignore)).State;
        ignoring = MediaStateMachine.WithDialogs(ignoring, [new DialogSummary("1_1_1", DialogState.Active)], Now);

        Assert.Equal(AgentState.Active, MediaStateMachine.WithInterrupt(ignoring, true, mrdInterruptible: true, Now).State);
    }

    [Fact]
    public void InterruptIsIgnoredOnAnMrdThatIsNotInterruptible() =>
        Assert.Equal(AgentState.Active, MediaStateMachine.WithInterrupt(SignedIn(AgentState.Ready, DialogState.Active), true, mrdInterruptible: false, Now).State);

    [Fact]
    public void EndOfInterruptRestoresTheTaskState()
    {
        var interrupted = MediaStateMachine.WithInterrupt(SignedIn(AgentState.Ready, DialogState.Paused), true, true, Now);

        Assert.Equal(AgentState.Paused, MediaStateMachine.WithInterrupt(interrupted, false, true, Now).State);
    }

    [Fact]
    public void AgentReturnsToReadyWhenAllTasksFinish()
    {
        var working = SignedIn(AgentState.Ready, DialogState.Active);

        var done = MediaStateMachine.WithDialogs(working, [], Now.AddMinutes(5));

        Assert.Equal(AgentState.Ready, done.State);
        Assert.Equal(Now.AddMinutes(5), done.StateChangeTime);
    }

    [Fact]
    public void NotRoutableWhileATaskIsPendingWaitsUntilTheTaskStarts()
    {
        var reserved = SignedIn(AgentState.Ready, DialogState.Offered);

        var outcome = Apply(reserved, MediaRequest.SetRoutable(false));
        Assert.Equal(MediaEffect.Publish, outcome.Effect);
        Assert.True(outcome.State.Routable);
        Assert.False(outcome.State.PendingRoutable);

        var started = MediaStateMachine.WithDialogs(outcome.State, [new DialogSummary("1_0_1", DialogState.Active)], Now);
        Assert.False(started.Routable);
        Assert.Null(started.PendingRoutable);
    }

    [Fact]
    public void NotRoutableWithNoPendingTaskTakesEffectAtOnce()
    {
        var outcome = Apply(SignedIn(AgentState.Ready, DialogState.Active), MediaRequest.SetRoutable(false));

        Assert.False(outcome.State.Routable);
        Assert.Equal(AgentState.Active, outcome.State.State);
    }

    [Fact]
    public void RoutableChangeToTheCurrentModeFailsAsAlreadyInRequestedMode()
    {
        Assert.Same(ArmError.AlreadyInRequestedAgentMode, Apply(SignedIn(), MediaRequest.SetRoutable(true)).Error);
    }

    [Fact]
    public void RonaMakesTheAgentNotRoutable() =>
        Assert.False(MediaStateMachine.MakeNotRoutable(SignedIn(AgentState.Ready)).Routable);

    [Fact]
    public void DialogsChangingWithoutChangingTheStateKeepTheStateChangeTime()
    {
        var working = SignedIn(AgentState.Ready, DialogState.Active);

        var more = MediaStateMachine.WithDialogs(working, [new DialogSummary("a", DialogState.Active), new DialogSummary("b", DialogState.Paused)], Now.AddHours(1));

        Assert.Equal(working.StateChangeTime, more.StateChangeTime);
    }

    [Fact]
    public void InitialStateIsSignedOutWithEmptyOptions()
    {
        var initial = MediaState.Initial;

        Assert.Equal(AgentState.Logout, initial.State);
        Assert.False(initial.Routable);
        Assert.Null(initial.StateChangeTime);
        Assert.Equal(ImmutableArray<DialogSummary>.Empty, initial.Dialogs);
    }
}
