using System.Diagnostics;
using MrdSimulator.Load.Chaos;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests.Chaos;

/// <summary>The correlator with a <see cref="LossAttribution"/> fed by a scripted list of simulator drop records.</summary>
public sealed class LossAttributionTests : IAsyncLifetime
{
    private const string Source = "/finesse/api/User/1000/Media/5000";
    private readonly List<DropRecord> _records = [];
    private readonly List<ProcessFaultWindow> _windows = [];
    private readonly Correlator _c = new(TimeSpan.FromMilliseconds(100), "t-");
    private readonly StepRecorder _step = new("s", "n");
    private LossAttribution _a = null!;
    private int _reads;

    public Task InitializeAsync()
    {
        _a = new LossAttribution(FetchAsync, _c.Timeout);
        _c.Attribution = _a;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        _c.Dispose();
    }

    [Fact]
    public async Task ALostNotificationTheSimulatorRecordedIsExplainedAndOneItDidNotRecordIsNot()
    {
        var pair = _c.Pair("1000", 5000);
        var dropped = Send("t-1", pair, MediaAction.Login);
        var vanished = Send("t-2", _c.Pair("1001", 5000), MediaAction.Login);
        Record("t-1", "notification.drop", "lossy");
        await Task.WhenAll(dropped.Task, vanished.Task).WaitAsync(TimeSpan.FromSeconds(2));

        await _c.SettleAsync(CancellationToken.None);

        var n = _c.Notifications;
        Assert.True(n.Attributed);
        Assert.Equal((2, 1, 1), (n.LostTotal, n.LostExplained, n.Lost));
        Assert.Equal(1, n.LostExplainedByFault["notification.drop"]);
        Assert.Equal((1L, 0L), _a.ExplainedBy("lossy"));
        Assert.Single(_a.UnexplainedLostSentAt());
    }

    [Fact]
    public async Task ALossSentWhileASiloKillWindowWasOpenIsExplainedByItAndOneSentAfterItClosedIsNot()
    {
        // The kill: a window that opened a moment ago and is closed now; a killed process records nothing.
        _windows.Add(new ProcessFaultWindow("kill-2", "silo.kill", DateTimeOffset.UtcNow.AddMilliseconds(-50), null));
        var during = Send("t-1", _c.Pair("1000", 5000), MediaAction.Login);
        await during.Task.WaitAsync(TimeSpan.FromSeconds(2));
        _windows[0] = _windows[0] with { End = DateTimeOffset.UtcNow };
        await Task.Delay(20);
        var after = Send("t-2", _c.Pair("1001", 5000), MediaAction.Login);
        await after.Task.WaitAsync(TimeSpan.FromSeconds(2));

        await _c.SettleAsync(CancellationToken.None);

        var n = _c.Notifications;
        Assert.Equal((2, 1, 1), (n.LostTotal, n.LostExplained, n.Lost));
        Assert.Equal(1, n.LostExplainedByFault["silo.kill"]);
        Assert.Equal((1L, 0L), _a.ExplainedBy("kill-2"));
    }

    [Fact]
    public async Task LiveALossIsPendingUntilAReadThatBeganAfterItWasDeclared()
    {
        _a.Start(TimeSpan.FromHours(1)); // no periodic read during the test: the test reads by hand below
        var p = Send("t-1", _c.Pair("1000", 5000), MediaAction.Login);
        await p.Task.WaitAsync(TimeSpan.FromSeconds(2));

        var live = _c.Notifications;
        Assert.Equal((1, 0, 0, 1), (live.LostTotal, live.Lost, live.LostExplained, live.LostPending));

        await _c.SettleAsync(CancellationToken.None);
        Assert.Equal((1, 1, 0), (_c.Notifications.LostTotal, _c.Notifications.Lost, _c.Notifications.LostPending));
        Assert.Equal(1, _reads);
    }

    [Fact]
    public async Task AContradictionRightAfterAnExplainedLossOnThePairIsExplainedByThatFault()
    {
        var pair = _c.Pair("1000", 5000);
        Deliver(Media("t-0", "LOGOUT")); // an earlier sign-out: the pair is known to be signed out
        var login = Send("t-1", pair, MediaAction.Login);
        Record("t-1", "rest.unavailable", "nsd", "no-session");
        await login.Task.WaitAsync(TimeSpan.FromSeconds(2));

        // The driver still believes LOGOUT, so the sign-out's LOGOUT Update looks impossible.
        var logout = Send("t-2", pair, MediaAction.Logout);
        Deliver(Media("t-2", "LOGOUT"));
        Assert.Equal(OutcomeKind.Contradicting, (await logout.Task).Kind);
        await _c.SettleAsync(CancellationToken.None);

        var n = _c.Notifications;
        Assert.Equal((1, 1, 0), (n.ContradictingTotal, n.ContradictingExplained, n.Contradicting));
        Assert.Equal(1, n.ContradictingExplainedByFault["rest.unavailable"]);
        Assert.Equal((1L, 1L), _a.ExplainedBy("nsd"));
    }

    [Fact]
    public async Task AContradictionAfterAnUnexplainedLossOrWithNoLossAtAllStaysUnexplained()
    {
        var pair = _c.Pair("1000", 5000);
        Deliver(Media("t-0", "LOGOUT"));
        var login = Send("t-1", pair, MediaAction.Login); // lost, and the simulator recorded nothing
        await login.Task.WaitAsync(TimeSpan.FromSeconds(2));
        var logout = Send("t-2", pair, MediaAction.Logout);
        Deliver(Media("t-2", "LOGOUT"));
        await logout.Task;

        var other = _c.Pair("1001", 5000);
        var ready = Send("t-3", other, MediaAction.Ready);
        Deliver(Media("t-3", "NOT_READY", source: "/finesse/api/User/1001/Media/5000")); // plain wrong, nothing missed
        await ready.Task;
        await _c.SettleAsync(CancellationToken.None);

        Assert.Equal((2, 0, 2), (_c.Notifications.ContradictingTotal, _c.Notifications.ContradictingExplained, _c.Notifications.Contradicting));
    }

    [Fact]
    public async Task AContradictionAfterAFailoverUpdateTheDriverNeverSawIsExplainedByTheFaultThatCostIt()
    {
        var pair = await ReadyPairAsync();
        await Task.Delay(20);

        // The failover moved the agent to WORK_NOT_READY; its Update was written just before the reset and never read.
        _records.Add(new DropRecord(_records.Count + 1, DateTimeOffset.UtcNow, "in-flight", "fo", "failover", "1000", null, Source, "WORK_NOT_READY"));
        await Task.Delay(20);
        var notReady = Send("t-2", pair, MediaAction.NotReady);
        Deliver(Error("t-2", "E_ARM_STAT_AGENT_NOT_LOGGED_IN"));
        Assert.Equal(OutcomeKind.Contradicting, (await notReady.Task).Kind);
        await _c.SettleAsync(CancellationToken.None);

        Assert.Equal((1, 0), (_c.Notifications.ContradictingExplained, _c.Notifications.Contradicting));
        Assert.Equal(1, _c.Notifications.ContradictingExplainedByFault["failover"]);
    }

    [Fact]
    public async Task AfterAFailoverUpdateTheDriverSawNotLoggedInAndSignInAreNotContradicting()
    {
        var pair = await ReadyPairAsync();
        Deliver(Media(null, "WORK_NOT_READY")); // the failover Update (no requestId)

        var notReady = Send("t-2", pair, MediaAction.NotReady);
        Deliver(Error("t-2", "E_ARM_STAT_AGENT_NOT_LOGGED_IN"));
        var login = Send("t-3", pair, MediaAction.Login);
        Deliver(Media("t-3", "NOT_READY"));

        Assert.Equal(OutcomeKind.AsyncError, (await notReady.Task).Kind);
        Assert.Equal(OutcomeKind.Notified, (await login.Task).Kind);
        Assert.Equal(0, _c.Notifications.ContradictingTotal);
    }

    [Fact]
    public async Task RecordsOverwrittenBeforeTheDriverReadThemAreReportedAndUnreadableRecordsLeaveLossesUnexplained()
    {
        _missed = 7;
        var p = Send("t-1", _c.Pair("1000", 5000), MediaAction.Login);
        await p.Task.WaitAsync(TimeSpan.FromSeconds(2));
        await _c.SettleAsync(CancellationToken.None);
        Assert.Contains(_a.Warnings, w => w.Contains("7 simulator drop records were overwritten", StringComparison.Ordinal));

        await using var broken = new LossAttribution((_, _) => throw new HttpRequestException("HTTP 401"), _c.Timeout);
        using var c = new Correlator(TimeSpan.FromMilliseconds(100), "u-") { Attribution = broken };
        var q = c.Register("u-1", c.Pair("1000", 5000), MediaAction.Login, null, Expectation.Success, Stopwatch.GetTimestamp(), _step, awaitable: true);
        await q.Task.WaitAsync(TimeSpan.FromSeconds(2));
        await c.SettleAsync(CancellationToken.None);
        Assert.Equal((1, 1), (c.Notifications.LostTotal, c.Notifications.Lost));
        Assert.Contains(broken.Warnings, w => w.Contains("HTTP 401", StringComparison.Ordinal));
    }

    private long _missed;

    private Task<DropBatch> FetchAsync(long since, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var now = DateTimeOffset.UtcNow;
        var records = _records.Where(r => r.Sequence > since).ToList();
        var batch = new DropBatch(records, _records.Count, Interlocked.Exchange(ref _missed, 0), now, now, now) { ProcessWindows = [.. _windows] };
        return Task.FromResult(batch);
    }

    /// <summary>Agent 1000 on MRD 5000, seen READY by the driver (request t-1).</summary>
    private async Task<PairState> ReadyPairAsync()
    {
        var pair = _c.Pair("1000", 5000);
        var ready = Send("t-1", pair, MediaAction.Ready);
        Deliver(Media("t-1", "READY"));
        await ready.Task;
        return pair;
    }

    private void Record(string requestId, string kind, string faultId, string reason = "fault") =>
        _records.Add(new DropRecord(_records.Count + 1, DateTimeOffset.UtcNow, reason, faultId, kind, "1000", requestId, Source, null));

    private PendingRequest Send(string id, PairState pair, MediaAction action)
    {
        var p = _c.Register(id, pair, action, null, Expectation.Success, Stopwatch.GetTimestamp(), _step, awaitable: true);
        _c.MarkSent(p);
        Thread.Sleep(1);
        _c.MarkAccepted(p);
        Thread.Sleep(1);
        return p;
    }

    private void Deliver(FinesseUpdate update) => _c.OnNotification(update, Stopwatch.GetTimestamp());

    private static FinesseUpdate Media(string? id, string state, string source = Source) =>
        FinesseUpdate.Parse($"<Update><data><Media><state>{state}</state></Media></data><event>PUT</event><requestId>{id}</requestId><source>{source}</source></Update>")!;

    private static FinesseUpdate Error(string id, string message) =>
        FinesseUpdate.Parse(
            $"<Update><source>{Source}</source><requestId>{id}</requestId><event>PUT</event>" +
            $"<data><apiErrors><apiError><errorData>6</errorData><errorMedia>5000</errorMedia><errorMessage>{message}</errorMessage><errorType>x</errorType></apiError></apiErrors></data></Update>")!;
}
