using System.Diagnostics;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

public sealed class CorrelatorTests : IDisposable
{
    private readonly Correlator _c = new(TimeSpan.FromMilliseconds(150), "t-");
    private readonly PairState _pair;
    private readonly StepRecorder _step = new("s", "n");

    public CorrelatorTests() => _pair = _c.Pair("1000", 5000);

    public void Dispose() => _c.Dispose();

    private static FinesseUpdate Media(string id, string state, string? reason = null) =>
        FinesseUpdate.Parse(
            $"<Update><data><Media><id>5000</id><state>{state}</state>{(reason is null ? "" : $"<reasonCodeId>{reason}</reasonCodeId>")}<ReasonCode><id>99</id></ReasonCode></Media></data>" +
            $"<event>PUT</event><requestId>{id}</requestId><source>/finesse/api/User/1000/Media/5000</source></Update>")!;

    private static FinesseUpdate Error(string id, string message) =>
        FinesseUpdate.Parse(
            $"<Update><source>/finesse/api/User/1000/Media/5000</source><requestId>{id}</requestId><event>PUT</event>" +
            $"<data><apiErrors><apiError><errorData>6</errorData><errorMedia>5000</errorMedia><errorMessage>{message}</errorMessage><errorType>x</errorType></apiError></apiErrors></data></Update>")!;

    private PendingRequest Send(string id, MediaAction action, Expectation expectation = Expectation.Success, string? reason = null, bool silent = false, bool maySilent = false)
    {
        var p = _c.Register(id, _pair, action, reason, expectation, Stopwatch.GetTimestamp(), _step, awaitable: true, silent, maySilent);
        _c.MarkSent(p);
        Thread.Sleep(1);
        _c.MarkAccepted(p);
        Thread.Sleep(1);
        return p;
    }

    private void Deliver(FinesseUpdate u) => _c.OnNotification(u, Stopwatch.GetTimestamp());

    [Fact]
    public void ParsesUpdatesWhateverTheElementOrder()
    {
        var a = Media("r1", "NOT_READY", "1001");
        Assert.Equal(("r1", "/finesse/api/User/1000/Media/5000", "PUT", "NOT_READY", "1001"), (a.RequestId, a.Source, a.Event, a.State, a.ReasonCodeId));
        var e = Error("r2", "E_ARM_STAT_AGENT_NOT_LOGGED_IN");
        Assert.True(e.IsError);
        Assert.Equal(("r2", "E_ARM_STAT_AGENT_NOT_LOGGED_IN", "5000"), (e.RequestId, e.ErrorMessage, e.ErrorMedia));
    }

    [Fact]
    public async Task MatchesEachAcceptedRequestToItsNotification()
    {
        var login = Send("a", MediaAction.Login);
        Deliver(Media("a", "NOT_READY"));
        var outcome = await login.Task;
        Assert.Equal(OutcomeKind.Notified, outcome.Kind);
        Assert.True(outcome.Ok);
        Assert.Equal(1, _c.Notifications.Received);
        Assert.Equal(1, _step.Ok.TotalCount);
        Assert.Equal("NOT_READY", _pair.ObservedState);
    }

    [Fact]
    public async Task CountsAMissingNotificationAsLostAfterTheTimeout()
    {
        var p = Send("a", MediaAction.Login);
        var outcome = await p.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(OutcomeKind.Lost, outcome.Kind);
        Assert.Equal(1, _c.Notifications.Lost);
        Assert.Equal(1, _step.StatusCounts()[StatusCodes.NotificationLost]);
        Assert.True(outcome.LatencyTicks >= Stopwatch.Frequency * 0.15);
    }

    [Fact]
    public async Task CountsADuplicatedNotification()
    {
        var p = Send("a", MediaAction.Login);
        Deliver(Media("a", "NOT_READY"));
        Deliver(Media("a", "NOT_READY"));
        await p.Task;
        Assert.Equal(1, _c.Notifications.Duplicated);
        Assert.Equal(1, _c.Notifications.Received);
    }

    [Fact]
    public async Task CountsANotificationThatOvertakesAnEarlierAcceptedRequestAsOutOfOrder()
    {
        Deliver(Media("x", "NOT_READY")); // unsolicited: pair signed in
        var first = Send("a", MediaAction.Ready);
        var second = Send("b", MediaAction.NotReady, reason: "1001"); // sent after a's 202
        Deliver(Media("b", "NOT_READY", "1001"));
        Deliver(Media("a", "READY"));
        await Task.WhenAll(first.Task, second.Task);
        Assert.Equal(1, _c.Notifications.OutOfOrder);
    }

    [Fact]
    public async Task NotificationsInSendOrderAreNotOutOfOrder()
    {
        Deliver(Media("x", "NOT_READY"));
        var first = Send("a", MediaAction.Ready);
        var second = Send("b", MediaAction.NotReady, reason: "1001");
        Deliver(Media("a", "READY"));
        Deliver(Media("b", "NOT_READY", "1001"));
        await Task.WhenAll(first.Task, second.Task);
        Assert.Equal(0, _c.Notifications.OutOfOrder);
        Assert.Equal(0, _c.Notifications.Contradicting);
    }

    [Fact]
    public async Task DetectsAStateThatContradictsTheRequest()
    {
        var login = Send("a", MediaAction.Login);
        Deliver(Media("a", "NOT_READY"));
        await login.Task;
        var ready = Send("b", MediaAction.Ready);
        Deliver(Media("b", "NOT_READY"));
        var outcome = await ready.Task;
        Assert.Equal(OutcomeKind.Contradicting, outcome.Kind);
        Assert.Equal(1, _c.Notifications.Contradicting);
        Assert.Equal(1, _step.StatusCounts()[StatusCodes.NotificationContradicting]);
    }

    [Fact]
    public async Task DetectsAnErrorThatContradictsTheObservedState()
    {
        var login = Send("a", MediaAction.Login);
        Deliver(Media("a", "NOT_READY"));
        await login.Task;
        var again = Send("c", MediaAction.Login, Expectation.Either);
        Deliver(Error("c", "E_ARM_STAT_AGENT_ALREADY_LOGGED_IN")); // consistent: signed in
        Assert.Equal(OutcomeKind.AsyncError, (await again.Task).Kind);
        var ready = Send("b", MediaAction.Ready, Expectation.Either);
        Deliver(Error("b", "E_ARM_STAT_AGENT_NOT_LOGGED_IN")); // signed in, so "not logged in" is impossible
        Assert.Equal(OutcomeKind.Contradicting, (await ready.Task).Kind);
        Assert.Equal(1, _c.Notifications.Contradicting);
    }

    [Fact]
    public async Task DetectsANotificationForReadyWhileAlreadyReady()
    {
        Deliver(Media("x", "READY"));
        var p = Send("a", MediaAction.Ready, Expectation.Either);
        Deliver(Media("a", "READY"));
        Assert.Equal(OutcomeKind.Contradicting, (await p.Task).Kind);
    }

    [Fact]
    public async Task ReadyWhileReadyWithoutNotificationIsExpectedNotLost()
    {
        Deliver(Media("x", "READY"));
        var certain = Send("a", MediaAction.Ready, silent: true);
        var maybe = Send("b", MediaAction.Ready, Expectation.Either, maySilent: true);
        await Task.WhenAll(certain.Task, maybe.Task).WaitAsync(TimeSpan.FromSeconds(2));
        var n = _c.Notifications;
        Assert.Equal(0, n.Lost);
        Assert.Equal(2, n.ExpectedSilent);
        Assert.Equal(0, n.Expected);
    }

    [Fact]
    public async Task MaybeSilentReadyIsLostWhenThePairWasNeverReady()
    {
        Deliver(Media("x", "NOT_READY"));
        var maybe = Send("b", MediaAction.Ready, Expectation.Either, maySilent: true);
        Assert.Equal(OutcomeKind.Lost, (await maybe.Task.WaitAsync(TimeSpan.FromSeconds(2))).Kind);
    }

    [Fact]
    public async Task ANotificationWhereNoneMayComeIsUnexpected()
    {
        Deliver(Media("x", "READY"));
        var p = Send("a", MediaAction.Ready, silent: true);
        Deliver(Media("a", "READY"));
        await p.Task;
        Assert.Equal(1, _c.Notifications.Unexpected);
    }

    [Fact]
    public async Task ANotificationAfterTheTimeoutCountsAsLateNotDuplicated()
    {
        var p = Send("a", MediaAction.Login);
        await p.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Deliver(Media("a", "NOT_READY"));
        var n = _c.Notifications;
        Assert.Equal((1L, 1L, 0L), (n.Lost, n.Late, n.Duplicated));
    }

    [Fact]
    public async Task ARejectedRequestExpectsNoNotification()
    {
        var p = Send("a", MediaAction.Login);
        _c.Cancel(p);
        Assert.Equal(OutcomeKind.Cancelled, (await p.Task).Kind);
        Deliver(Media("a", "NOT_READY"));
        Assert.Equal((0L, 1L), (_c.Notifications.Expected, _c.Notifications.Unexpected));
    }

    [Fact]
    public void UnsolicitedNotificationsAreCountedAndFollowed()
    {
        Deliver(Media("someone-else", "READY"));
        Assert.Equal(1, _c.Notifications.Unmatched);
        Assert.Equal("READY", _pair.ObservedState);
    }
}
