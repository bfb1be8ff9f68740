using System.Collections.Concurrent;
using System.Diagnostics;
using MrdSimulator.Load.Chaos;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Tasks;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse;

public enum Expectation
{
    Success,
    Error,
    Either,
}

public enum OutcomeKind
{
    Notified,
    AsyncError,
    Contradicting,
    Lost,
    Silent,
    Cancelled,
}

public readonly record struct NotificationOutcome(OutcomeKind Kind, bool Ok, int StatusCode, long LatencyTicks, FinesseUpdate? Update);

/// <summary>Receives parsed notifications from an <see cref="INotificationSource"/>.</summary>
public interface INotificationSink
{
    void OnNotification(FinesseUpdate update, long receivedTicks);

    void OnTransportEvent(string userId, string message);
}

/// <summary>Receives every Dialog Update once (offers, action results, removals), after correlation; duplicates of matched ones are not passed on.</summary>
public interface IDialogListener
{
    /// <param name="matched">The request the Update answered (by its requestId), or null for offers and removals.</param>
    void OnDialogUpdate(FinesseUpdate update, long receivedTicks, PendingRequest? matched);
}

/// <summary>Correlation state of one agent × MRD pair, as observed from its notifications (stream order).</summary>
public sealed class PairState(string source)
{
    internal readonly Lock Gate = new();

    public string Source { get; } = source;

    /// <summary>State last seen in a notification (null = not known yet).</summary>
    public string? ObservedState { get; internal set; }

    internal long MaxSentOfDelivered;
    internal long LastReadyTicks;

    /// <summary>When the pair's last notification was read (0: none yet).</summary>
    internal long LastReceivedTicks;
}

/// <summary>A request waiting for its notification.</summary>
public sealed class PendingRequest
{
    private readonly TaskCompletionSource<NotificationOutcome>? _completion;

    internal PendingRequest(
        string requestId, PairState pair, MediaAction action, string? reasonCodeId, Expectation expectation,
        long originTicks, StepRecorder? step, bool awaitable, bool silent, bool maySilent)
    {
        RequestId = requestId;
        Pair = pair;
        Action = action;
        ReasonCodeId = reasonCodeId;
        Expectation = expectation;
        OriginTicks = originTicks;
        Step = step;
        Silent = silent;
        MaySilent = maySilent;
        SentTicks = Stopwatch.GetTimestamp();
        StateAtSend = pair.ObservedState;
        if (awaitable)
        {
            _completion = new TaskCompletionSource<NotificationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public string RequestId { get; }

    public PairState Pair { get; }

    public MediaAction Action { get; }

    public string? ReasonCodeId { get; }

    public Expectation Expectation { get; }

    public long OriginTicks { get; }

    public StepRecorder? Step { get; }

    /// <summary>A Dialog request (<c>requestedAction</c> wire name); null for Media requests.</summary>
    public string? DialogAction { get; init; }

    public string? DialogId { get; init; }

    /// <summary>The sender knows no notification may come (READY while READY).</summary>
    public bool Silent { get; }

    /// <summary>Concurrent senders: a missing notification is fine if the pair was READY (READY while READY).</summary>
    public bool MaySilent { get; }

    public string? StateAtSend { get; }

    public long SentTicks { get; internal set; }

    /// <summary>When the 202 came back (0 = not yet).</summary>
    public long AcceptedTicks { get; internal set; }

    public Task<NotificationOutcome> Task => _completion?.Task ?? System.Threading.Tasks.Task.FromResult(default(NotificationOutcome));

    internal void Complete(NotificationOutcome outcome) => _completion?.TrySetResult(outcome);
}

/// <summary>
/// Matches every accepted request to its notification by requestId and checks the stream:
/// missing after a timeout (lost), delivered twice (duplicated), delivered after a later-sent request on the
/// same pair although its 202 came before that request was sent (out of order), or inconsistent with the
/// Media state machine (contradicting). READY while READY is silent in Finesse and is expected, not lost.
/// With an <see cref="Attribution"/> (a chaos run), lost and contradicting notifications are matched against
/// the simulator's records of what its faults cost; the summary's Lost and Contradicting then count only the
/// unexplained ones.
/// </summary>
public sealed class Correlator : INotificationSink, IRunHooks, IDisposable
{
    private readonly ConcurrentDictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (OutcomeKind Kind, long Ticks)> _completed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PairState> _pairs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _transportEvents = new();
    private readonly Timer _sweeper;
    private readonly long _timeoutTicks;
    private long _expected, _received, _lost, _duplicated, _outOfOrder, _contradicting, _unexpected, _unmatched, _silent, _late;

    public Correlator(TimeSpan timeout, string requestIdPrefix)
    {
        Timeout = timeout;
        RequestIdPrefix = requestIdPrefix;
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
    }

    public TimeSpan Timeout { get; }

    public string RequestIdPrefix { get; }

    public int PendingCount => _pending.Count;

    public IReadOnlyCollection<string> TransportEvents => _transportEvents;

    /// <summary>Gets every Dialog Update (the task ledger); null when no task scenario runs.</summary>
    public IDialogListener? DialogListener { get; set; }

    /// <summary>Set before the run (when the simulator's admin token is known): explains losses by faults.</summary>
    public LossAttribution? Attribution { get; set; }

    public NotificationSummary Notifications
    {
        get
        {
            var lost = Interlocked.Read(ref _lost);
            var contradicting = Interlocked.Read(ref _contradicting);
            var a = Attribution?.Counts;
            return new NotificationSummary(
                Interlocked.Read(ref _expected),
                Interlocked.Read(ref _received),
                a?.LostUnexplained ?? lost,
                Interlocked.Read(ref _duplicated),
                Interlocked.Read(ref _outOfOrder),
                a?.ContradictingUnexplained ?? contradicting,
                Interlocked.Read(ref _unexpected),
                Interlocked.Read(ref _unmatched),
                Interlocked.Read(ref _silent),
                Interlocked.Read(ref _late))
            {
                Attributed = a is not null,
                LostTotal = lost,
                LostExplained = a?.LostExplained ?? 0,
                LostPending = a?.LostPending ?? 0,
                LostExplainedByFault = a?.LostByFaultKind ?? new Dictionary<string, long>(),
                ContradictingTotal = contradicting,
                ContradictingExplained = a?.ContradictingExplained ?? 0,
                ContradictingPending = a?.ContradictingPending ?? 0,
                ContradictingExplainedByFault = a?.ContradictingByFaultKind ?? new Dictionary<string, long>(),
            };
        }
    }

    public PairState Pair(string agentId, int mrdId) => Pair(AgentMedia.SourceOf(agentId, mrdId));

    public PairState Pair(string source) => _pairs.GetOrAdd(source, static s => new PairState(s));

    /// <summary>Correlation state of one dialog as one agent holds it (a RONA re-offer may give the same id to another agent).</summary>
    public PairState DialogPair(string agentId, string dialogId) => Pair(agentId + "|" + DialogInfo.UriPrefix + dialogId);

    /// <summary>The dialog is over for this agent: its pair is no longer needed (pending requests keep their own reference).</summary>
    public void ForgetDialogPair(string agentId, string dialogId) => _pairs.TryRemove(agentId + "|" + DialogInfo.UriPrefix + dialogId, out _);

    /// <summary>Registers a Dialog request (PUT /finesse/api/Dialog/{id}) before it is sent.</summary>
    public PendingRequest RegisterDialog(string requestId, PairState pair, string action, string dialogId, long originTicks, StepRecorder? notificationStep)
    {
        var pending = new PendingRequest(requestId, pair, MediaAction.Ready, null, Expectation.Success, originTicks, notificationStep, true, false, false)
        {
            DialogAction = action,
            DialogId = dialogId,
        };
        if (!_pending.TryAdd(requestId, pending))
        {
            throw new InvalidOperationException($"requestId '{requestId}' registered twice");
        }

        Interlocked.Increment(ref _expected);
        return pending;
    }

    /// <summary>Counters for notifications without a requestId that the task ledger judges (offers and removals).</summary>
    internal void CountDuplicate() => Interlocked.Increment(ref _duplicated);

    internal void CountOutOfOrder() => Interlocked.Increment(ref _outOfOrder);

    internal void CountLost(long n = 1) => Interlocked.Add(ref _lost, n);

    /// <summary>An unsolicited notification the ledger expected (a removal at sign-out) arrived after it was counted lost.</summary>
    internal void CountLate() => Interlocked.Increment(ref _late);

    /// <summary>Registers a request before it is sent (its notification may overtake the 202).</summary>
    public PendingRequest Register(
        string requestId,
        PairState pair,
        MediaAction action,
        string? reasonCodeId,
        Expectation expectation,
        long originTicks,
        StepRecorder? notificationStep,
        bool awaitable,
        bool silent = false,
        bool maySilent = false)
    {
        var pending = new PendingRequest(requestId, pair, action, reasonCodeId, expectation, originTicks, notificationStep, awaitable, silent, maySilent);
        if (!_pending.TryAdd(requestId, pending))
        {
            throw new InvalidOperationException($"requestId '{requestId}' registered twice");
        }

        if (!silent)
        {
            Interlocked.Increment(ref _expected);
        }

        return pending;
    }

    public void MarkSent(PendingRequest pending) => pending.SentTicks = Stopwatch.GetTimestamp();

    public void MarkAccepted(PendingRequest pending) => pending.AcceptedTicks = Stopwatch.GetTimestamp();

    /// <summary>The request was not accepted (HTTP error): no notification is due; one arriving anyway is unexpected.</summary>
    public void Cancel(PendingRequest pending)
    {
        if (_pending.TryRemove(pending.RequestId, out _))
        {
            if (!pending.Silent)
            {
                Interlocked.Decrement(ref _expected);
            }

            _completed[pending.RequestId] = (OutcomeKind.Cancelled, Stopwatch.GetTimestamp());
            pending.Complete(new NotificationOutcome(OutcomeKind.Cancelled, false, 0, 0, null));
        }
    }

    public void OnTransportEvent(string userId, string message)
    {
        if (_transportEvents.Count < 100)
        {
            _transportEvents.Enqueue($"{userId}: {message}");
        }
    }

    public void OnNotification(FinesseUpdate update, long receivedTicks)
    {
        var id = update.RequestId;
        if (id is not null && _pending.TryRemove(id, out var pending))
        {
            Deliver(pending, update, receivedTicks);
            if (update.IsDialog)
            {
                DialogListener?.OnDialogUpdate(update, receivedTicks, pending);
            }

            return;
        }

        if (id is not null && _completed.TryGetValue(id, out var done))
        {
            switch (done.Kind)
            {
                case OutcomeKind.Lost:
                    Interlocked.Increment(ref _late);
                    break;
                case OutcomeKind.Cancelled:
                case OutcomeKind.Silent:
                    Interlocked.Increment(ref _unexpected);
                    break;
                default:
                    Interlocked.Increment(ref _duplicated);
                    break;
            }

            return;
        }

        // Unsolicited (no requestId) or another client's: keep the pair's observed state in step with the server.
        Interlocked.Increment(ref _unmatched);
        if (update.IsDialog)
        {
            DialogListener?.OnDialogUpdate(update, receivedTicks, null);
            return;
        }

        if (update.Source is not null && _pairs.TryGetValue(update.Source, out var pair) && !update.IsError && update.State is not null)
        {
            lock (pair.Gate)
            {
                pair.ObservedState = update.State;
                pair.LastReceivedTicks = receivedTicks;
                if (update.State == MediaStates.Ready)
                {
                    pair.LastReadyTicks = receivedTicks;
                }
            }
        }
    }

    private void Deliver(PendingRequest p, FinesseUpdate update, long receivedTicks)
    {
        var pair = p.Pair;
        bool consistent;
        bool outOfOrder;
        string? observed;
        long previousReceived;
        lock (pair.Gate)
        {
            observed = pair.ObservedState;
            previousReceived = pair.LastReceivedTicks;
            pair.LastReceivedTicks = receivedTicks;
            consistent = p.DialogAction is null ? IsConsistent(p, update, observed) : IsDialogConsistent(p, update, observed);
            if (!consistent && !p.Silent)
            {
                // After a contradiction the true state is unknown; the next notification re-establishes it
                // (so one wrong notification is counted once, not again for every later request).
                pair.ObservedState = null;
            }
            else if (p.DialogAction is not null)
            {
                if (update.Dialog?.State is { } dialogState)
                {
                    pair.ObservedState = dialogState;
                }
            }
            else if (update.IsError)
            {
                if (update.ErrorMessage == MediaStates.NotLoggedIn)
                {
                    pair.ObservedState = MediaStates.Logout;
                }
            }
            else if (update.State is not null)
            {
                pair.ObservedState = update.State;
                if (update.State == MediaStates.Ready)
                {
                    pair.LastReadyTicks = receivedTicks;
                }
            }

            // Happens-before: a request whose 202 arrived before another request on the pair was sent
            // must have its notification delivered first.
            outOfOrder = p.AcceptedTicks != 0 && p.AcceptedTicks < pair.MaxSentOfDelivered;
            pair.MaxSentOfDelivered = Math.Max(pair.MaxSentOfDelivered, p.SentTicks);
        }

        if (p.Silent)
        {
            Interlocked.Increment(ref _unexpected);
            _completed[p.RequestId] = (OutcomeKind.Silent, receivedTicks);
            p.Complete(new NotificationOutcome(OutcomeKind.Contradicting, false, StatusCodes.NotificationUnexpected, 0, update));
            return;
        }

        Interlocked.Increment(ref _received);
        if (outOfOrder)
        {
            Interlocked.Increment(ref _outOfOrder);
        }

        OutcomeKind kind;
        int status;
        bool ok;
        if (!consistent || (!update.IsError && p.Expectation == Expectation.Error))
        {
            Interlocked.Increment(ref _contradicting);
            Attribution?.OnContradicting(pair.Source, p.SentTicks, receivedTicks, previousReceived, observed);
            (kind, status, ok) = (OutcomeKind.Contradicting, StatusCodes.NotificationContradicting, false);
        }
        else if (update.IsError)
        {
            ok = p.Expectation != Expectation.Success || (p.DialogAction is not null && update.ErrorMessage == DialogWire.InterruptRefusal);
            (kind, status) = (OutcomeKind.AsyncError, ok ? StatusCodes.ExpectedAsyncError : StatusCodes.AsyncError);
        }
        else
        {
            (kind, status, ok) = (OutcomeKind.Notified, StatusCodes.Notified, true);
        }

        var latency = receivedTicks - p.OriginTicks;
        p.Step?.Record(ok, status, latency);
        _completed[p.RequestId] = (kind, receivedTicks);
        p.Complete(new NotificationOutcome(kind, ok, status, latency, update));
    }

    /// <summary>Is the notification possible given what was asked and the pair's observed state?</summary>
    internal static bool IsConsistent(PendingRequest p, FinesseUpdate update, string? observed)
    {
        // After a failover the agent must sign in again (G125-181): its state is signed out for every request.
        var signedOut = MediaStates.NeedsSignIn(observed);
        if (update.IsError)
        {
            return update.ErrorMessage switch
            {
                MediaStates.NotLoggedIn => p.Action != MediaAction.Login && (observed is null || signedOut),
                MediaStates.AlreadyLoggedIn => p.Action == MediaAction.Login && (observed is null || !signedOut),
                _ => true,
            };
        }

        var state = update.State;
        var expectedState = p.Action switch
        {
            MediaAction.Login => MediaStates.NotReady,
            MediaAction.Ready => MediaStates.Ready,
            MediaAction.NotReady => MediaStates.NotReady,
            MediaAction.Logout => MediaStates.Logout,
            _ => null,
        };
        if (expectedState is not null ? state != expectedState : state == MediaStates.Logout)
        {
            return false;
        }

        if (p.ReasonCodeId is not null && update.ReasonCodeId is not null && update.ReasonCodeId != p.ReasonCodeId)
        {
            return false;
        }

        if (observed is null)
        {
            return true;
        }

        return p.Action switch
        {
            MediaAction.Login => signedOut,
            MediaAction.Ready => !signedOut && observed != MediaStates.Ready, // READY→READY gives no notification
            _ => !signedOut,
        };
    }

    /// <summary>
    /// Is the Update a possible answer to the Dialog action? The same dialog, in the state the action leads to
    /// (CLOSE: a DELETE with CLOSED and <c>CD_NORMAL_END_TASK</c>), from a state that allows the action.
    /// </summary>
    internal static bool IsDialogConsistent(PendingRequest p, FinesseUpdate update, string? observed)
    {
        if (update.IsError)
        {
            return true;
        }

        if (update.Dialog is not { } d || d.Id != p.DialogId || d.State != DialogWire.StateAfter(p.DialogAction!))
        {
            return false;
        }

        if (p.DialogAction == DialogWire.Close &&
            (!string.Equals(update.Event, DialogWire.EventDelete, StringComparison.OrdinalIgnoreCase) || d.Disposition != DialogWire.NormalEnd))
        {
            return false;
        }

        return observed is null || DialogWire.AllowedFrom(observed, p.DialogAction!);
    }

    private void Sweep()
    {
        if (_pending.IsEmpty && _completed.IsEmpty)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var (id, p) in _pending)
        {
            if (now - p.SentTicks < _timeoutTicks || !_pending.TryRemove(id, out _))
            {
                continue;
            }

            if (p.Silent)
            {
                Interlocked.Increment(ref _silent);
                _completed[id] = (OutcomeKind.Silent, now);
                p.Complete(new NotificationOutcome(OutcomeKind.Silent, true, StatusCodes.ExpectedSilence, 0, null));
                continue;
            }

            bool silentOk;
            lock (p.Pair.Gate)
            {
                silentOk = p.MaySilent && p.Action == MediaAction.Ready &&
                           (p.StateAtSend == MediaStates.Ready || p.Pair.ObservedState == MediaStates.Ready || p.Pair.LastReadyTicks >= p.SentTicks);
            }

            if (silentOk)
            {
                Interlocked.Decrement(ref _expected);
                Interlocked.Increment(ref _silent);
                _completed[id] = (OutcomeKind.Silent, now);
                p.Complete(new NotificationOutcome(OutcomeKind.Silent, true, StatusCodes.ExpectedSilence, 0, null));
                continue;
            }

            Interlocked.Increment(ref _lost);
            Attribution?.OnLost(id, p.Pair.Source, p.SentTicks, now);
            p.Step?.Record(false, StatusCodes.NotificationLost, now - p.OriginTicks);
            _completed[id] = (OutcomeKind.Lost, now);
            p.Complete(new NotificationOutcome(OutcomeKind.Lost, false, StatusCodes.NotificationLost, now - p.OriginTicks, null));
        }

        // Remember completed ids long enough to recognise duplicates and late arrivals.
        var keep = _timeoutTicks * 4;
        foreach (var (id, done) in _completed)
        {
            if (now - done.Ticks > keep)
            {
                _completed.TryRemove(id, out _);
            }
        }
    }

    public void ResetAfterWarmUp()
    {
        Interlocked.Exchange(ref _expected, _pending.Count(p => !p.Value.Silent));
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _lost, 0);
        Interlocked.Exchange(ref _duplicated, 0);
        Interlocked.Exchange(ref _outOfOrder, 0);
        Interlocked.Exchange(ref _contradicting, 0);
        Interlocked.Exchange(ref _unexpected, 0);
        Interlocked.Exchange(ref _unmatched, 0);
        Interlocked.Exchange(ref _silent, 0);
        Interlocked.Exchange(ref _late, 0);
        Attribution?.Reset();
    }

    /// <summary>Waits until every pending request has its notification or has timed out.</summary>
    public async Task SettleAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!_pending.IsEmpty)
            {
                await System.Threading.Tasks.Task.Delay(20, cancellationToken);
            }

            // Give duplicates a moment to show up.
            await System.Threading.Tasks.Task.Delay(50, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        if (Attribution is { } attribution)
        {
            // Before the thresholds are evaluated: lost_notifications counts what no fault explains.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await attribution.FinishAsync(limit.Token);
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
