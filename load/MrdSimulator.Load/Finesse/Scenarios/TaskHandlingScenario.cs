using System.Collections.Concurrent;
using System.Diagnostics;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Tasks;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>Settings of the task scenarios (task-handling agents and the task-feed).</summary>
public sealed record TaskScenarioOptions
{
    /// <summary>task-handling: tasks an agent closes (or, on a transfer shift, holds at sign-out) before signing out.</summary>
    public int TasksPerShift { get; init; } = 5;

    /// <summary>task-handling: share of shifts signed in with dialogLogoutAction TRANSFER that sign out holding an ACTIVE task.</summary>
    public double TransferShare { get; init; } = 0.2;

    /// <summary>task-handling: share of tasks paused and resumed once while ACTIVE.</summary>
    public double PauseShare { get; init; } = 0.1;

    /// <summary>task-handling: share of offers the agent lets ring (no ACCEPT): RONA after the MRD's taskStartTimeout.</summary>
    public double RonaShare { get; init; }

    /// <summary>task-handling: work time between START and WRAP_UP.</summary>
    public TimeSpan HandleTime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>task-handling: time between WRAP_UP and CLOSE.</summary>
    public TimeSpan WrapUpTime { get; init; } = TimeSpan.Zero;

    /// <summary>task-handling: maxDialogLimit of the sign-in (tasks an agent may hold at once in one MRD).</summary>
    public int MaxDialogLimit { get; init; } = 1;

    /// <summary>task-feed: the CCP feed id tasks are POSTed to (<c>/ccp/task/feed/{feed}</c>).</summary>
    public int Feed { get; init; } = 100;

    /// <summary>task-feed: script selector of every task; null = the first one routing to each MRD (GET /finesse/api/ScriptSelectors).</summary>
    public string? ScriptSelector { get; init; }
}

/// <summary>
/// task-handling: each virtual user is an agent working a shift on task MRDs: sign in (dialogLogoutAction CLOSE, or
/// TRANSFER on a share of shifts), READY, then act on every Dialog offered to it — ACCEPT, START, (PAUSE, RESUME),
/// WRAP_UP when the dialog offers it, CLOSE — each a timed step with its correlated notification; after
/// <see cref="TaskScenarioOptions.TasksPerShift"/> tasks NOT_READY, finish what is held, sign out. On a transfer shift
/// the last task is left ACTIVE and the agent signs out, so the simulator resubmits it to the queue under load.
/// Offers come from the run's <see cref="TaskLedger"/>, which also accounts for every task.
/// </summary>
public sealed class TaskHandlingScenario(string name, FinesseTarget target, FinesseScenarioOptions options, TaskScenarioOptions tasks) : IScenario
{
    private const int InterruptRetries = 40;
    private static readonly TimeSpan InterruptRetryDelay = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentBag<User> _users = [];
    private Steps _steps = null!;
    private TaskLedger _ledger = null!;
    private int _seed;

    public string Name { get; } = name;

    internal FinesseTarget Target { get; } = target;

    internal FinesseScenarioOptions Options { get; } = options;

    internal TaskScenarioOptions Tasks { get; } = tasks;

    public int? MaxVirtualUsers => Options.Agents.Count;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (!Target.Correlating)
        {
            throw new InvalidOperationException("task-handling needs notifications (agents act on Dialog offers): use notifications: sse");
        }

        await Target.EnsureReachableAsync().WaitAsync(cancellationToken);
        _ledger = Target.EnableTasks();
        _steps = new Steps(context);
        _seed = context.Seed;
    }

    public IVirtualUser CreateVirtualUser(int index)
    {
        var agent = Options.Agents[index];
        var user = new User(this, agent, Options.Mrds.Select(m => Target.Media(agent, m)).ToArray(), _ledger.RegisterAgent(agent), Backoff.For(Options.Retry, _seed, index));
        _users.Add(user);
        return user;
    }

    public async Task CleanAsync(CancellationToken cancellationToken) =>
        await FinesseClean.SignOutAsync(Target, _users.SelectMany(u => u.Media), Options, cancellationToken);

    private sealed class Steps(ScenarioContext c)
    {
        public StepRecorder Subscribe { get; } = c.Step(StepNames.Subscribe);
        public StepRecorder Reset { get; } = c.Step(StepNames.Reset);
        public StepRecorder ResetN { get; } = c.Step(StepNames.Reset + StepNames.Notified);
        public StepRecorder SignIn { get; } = c.Step(StepNames.SignIn);
        public StepRecorder SignInN { get; } = c.Step(StepNames.SignIn + StepNames.Notified);
        public StepRecorder Ready { get; } = c.Step(StepNames.Ready);
        public StepRecorder ReadyN { get; } = c.Step(StepNames.Ready + StepNames.Notified);
        public StepRecorder Routable { get; } = c.Step("routable");
        public StepRecorder RoutableN { get; } = c.Step("routable" + StepNames.Notified);
        public StepRecorder NotRoutable { get; } = c.Step("not-routable");
        public StepRecorder NotRoutableN { get; } = c.Step("not-routable" + StepNames.Notified);
        public StepRecorder SignOut { get; } = c.Step(StepNames.SignOut);
        public StepRecorder SignOutN { get; } = c.Step(StepNames.SignOut + StepNames.Notified);
        public StepRecorder SignOutTransferred { get; } = c.Step(StepNames.SignOut + ".transferred");

        public Dictionary<string, (StepRecorder Http, StepRecorder Notified)> Actions { get; } = new[]
        {
            DialogWire.Accept, DialogWire.Start, DialogWire.Pause, DialogWire.Resume, DialogWire.WrapUp, DialogWire.Close,
        }.ToDictionary(a => a, a => (c.Step(StepName(a)), c.Step(StepName(a) + StepNames.Notified)), StringComparer.Ordinal);

        private static string StepName(string action) => action.ToLowerInvariant().Replace('_', '-');
    }

    private enum Outcome
    {
        Closed,
        Held,
        Gone,
        Failed,
    }

    /// <summary>A dialog this agent was offered, as its virtual user sees it.</summary>
    private sealed class Slot(AgentMedia media, string dialogId, string? taskKey, IReadOnlyList<string> actions)
    {
        private readonly TaskCompletionSource<string?> _removed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AgentMedia Media { get; } = media;

        public string DialogId { get; } = dialogId;

        public string? TaskKey { get; } = taskKey;

        public IReadOnlyList<string> Actions { get; set; } = actions;

        /// <summary>A handler works on it (false: the agent lets it ring).</summary>
        public bool Handled { get; init; }

        /// <summary>Set by the handler before it posts <see cref="AgentEventKind.HandlerDone"/>.</summary>
        public Outcome Result { get; set; }

        /// <summary>The main loop has seen the handler's end.</summary>
        public bool Reaped { get; set; }

        public bool IsRemoved => _removed.Task.IsCompleted;

        /// <summary>The removal's disposition code, when it comes.</summary>
        public Task<string?> Removed => _removed.Task;

        public void MarkRemoved(string? disposition) => _removed.TrySetResult(disposition);
    }

    private sealed class User(TaskHandlingScenario scenario, string agent, AgentMedia[] media, AgentInbox inbox, Backoff? backoff) : IVirtualUser
    {
        private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
        private readonly AgentSession _session = new(backoff);
        private bool _needsRoutable;
        private bool _takingOffers;
        private int _finished;
        private int _shift;

        public AgentMedia[] Media { get; } = media;

        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            if (ctx.StopRequested.IsCancellationRequested)
            {
                return; // the run is winding down: no new shift
            }

            var t = scenario._steps;
            var target = scenario.Target;
            var o = scenario.Options;
            var ct = ctx.CancellationToken;
            // A reset sign-out closes or requeues whatever the agent held.
            var resetting = _session.NeedsReset;
            if (!await _session.PrepareAsync(target, agent, Media, o, t.Subscribe, t.Reset, t.ResetN, ctx))
            {
                return;
            }

            if (resetting)
            {
                inbox.SignedOut = true;
            }

            _session.NeedsReset = !await WorkShiftAsync(ctx, ct);
        }

        /// <summary>
        /// Sign in, READY, take offers until the shift's tasks are done, not routable (reference §4.4: preferred to
        /// NOT_READY near the end of a shift, it stops new offers without ending work), finish, sign out.
        /// </summary>
        private async Task<bool> WorkShiftAsync(IterationContext ctx, CancellationToken ct)
        {
            var t = scenario._steps;
            var target = scenario.Target;
            var o = scenario.Options;
            var k = scenario.Tasks;
            _shift++;
            var transferShift = k.TransferShare > 0 && ctx.Random.NextDouble() < k.TransferShare;
            var login = target.Bodies.Login(k.MaxDialogLimit, transferShift ? "TRANSFER" : "CLOSE");
            var ok = true;
            var first = ctx.NextStepStart();
            foreach (var m in Media)
            {
                ok = ok && await Change(m, MediaAction.Login, null, Expectation.Success, t.SignIn, t.SignInN, MediaStates.NotReady, first, ct, login);
                first = Stopwatch.GetTimestamp();
            }

            // Signed out until now, so nothing in the inbox belongs to this session.
            inbox.SignedOut = false;
            DropStale();
            foreach (var m in Media)
            {
                ok = ok && await Change(m, MediaAction.Ready, null, Expectation.Success, t.Ready, t.ReadyN, MediaStates.Ready, Stopwatch.GetTimestamp(), ct);
            }

            if (!ok)
            {
                return false;
            }

            _finished = 0;
            _takingOffers = true;
            var started = 0;
            Slot? held = null;
            using var wake = ctx.StopRequested.Register(
                static s => ((AgentInbox)s!).Channel.Writer.TryWrite(new AgentEvent(AgentEventKind.Wake, null, 0, null, null, null)), inbox);

            // Work: take offers until enough tasks are done (or the last one is held for a transfer), or the run winds down.
            while (ok && held is null && _finished < k.TasksPerShift && !ctx.StopRequested.IsCancellationRequested)
            {
                var e = await inbox.Channel.Reader.ReadAsync(ct);
                ok = Process(e, ctx, () => transferShift && ++started == k.TasksPerShift, ref held);
                ok = await MakeRoutableAfterRonaAsync(ct) && ok;
            }

            // Wind down: not routable stops new offers; finish what is held, including offers that raced it.
            foreach (var m in Media)
            {
                ok = await Change(m, MediaAction.NotRoutable, null, Expectation.Either, t.NotRoutable, t.NotRoutableN, m.KnownState ?? MediaStates.Ready, Stopwatch.GetTimestamp(), ct) && ok;
            }

            while (inbox.Channel.Reader.TryRead(out var e))
            {
                ok = Process(e, ctx, () => false, ref held) && ok;
            }

            while (_slots.Values.Any(s => s.Handled && !s.Reaped))
            {
                var e = await inbox.Channel.Reader.ReadAsync(ct);
                ok = Process(e, ctx, () => false, ref held) && ok;
            }

            // Sign out: on a transfer shift with the last task still ACTIVE, the simulator resubmits it.
            _takingOffers = false;
            _needsRoutable = false;
            var signOutStart = Stopwatch.GetTimestamp();
            foreach (var m in Media)
            {
                ok = await Change(m, MediaAction.Logout, AgentShiftScenario.Reason(o.LogoutReasons, _shift), Expectation.Success, t.SignOut, t.SignOutN, MediaStates.Logout, Stopwatch.GetTimestamp(), ct) && ok;
            }

            if (held is not null)
            {
                ok = await AwaitTransferAsync(held, ctx, signOutStart, ct) && ok;
            }

            // Whatever this session held has been removed by the sign-out (the ledger checks that).
            if (ok)
            {
                inbox.SignedOut = true;
            }

            _slots.Clear();
            return ok;
        }

        /// <summary>Applies one inbox event; <paramref name="transferThis"/> says whether a new offer is the one to hold at sign-out.</summary>
        private bool Process(AgentEvent e, IterationContext ctx, Func<bool> transferThis, ref Slot? held)
        {
            var k = scenario.Tasks;
            switch (e.Kind)
            {
                case AgentEventKind.Offer:
                    var m = Media.FirstOrDefault(x => x.MrdId == e.MrdId);
                    if (!_takingOffers || m is null || _slots.ContainsKey(e.DialogId!))
                    {
                        return true; // signing out (the sign-out requeues it), another MRD's, or known already
                    }

                    if (k.RonaShare > 0 && ctx.Random.NextDouble() < k.RonaShare)
                    {
                        _slots[e.DialogId!] = new Slot(m, e.DialogId!, e.TaskKey, e.Actions ?? []);
                        return true;
                    }

                    var pause = k.PauseShare > 0 && ctx.Random.NextDouble() < k.PauseShare;
                    var slot = new Slot(m, e.DialogId!, e.TaskKey, e.Actions ?? []) { Handled = true };
                    _slots[e.DialogId!] = slot;
                    _ = HandleAsync(slot, transferThis(), pause, ctx.CancellationToken);
                    return true;
                case AgentEventKind.Removed:
                    if (_slots.TryGetValue(e.DialogId!, out var removed))
                    {
                        removed.MarkRemoved(e.Disposition);
                        if (!removed.Handled || removed.Reaped)
                        {
                            _slots.Remove(e.DialogId!);
                        }
                    }

                    if (e.Disposition == DialogWire.RingNoAnswer && _takingOffers)
                    {
                        _needsRoutable = true; // RONA made the agent not routable
                    }

                    return true;
                case AgentEventKind.HandlerDone:
                    if (!_slots.TryGetValue(e.DialogId!, out var done) || done.Reaped)
                    {
                        return true;
                    }

                    done.Reaped = true;
                    if (done.Result == Outcome.Held)
                    {
                        held = done;
                        return true;
                    }

                    _slots.Remove(e.DialogId!);
                    if (done.Result == Outcome.Closed)
                    {
                        _finished++;
                    }

                    return done.Result != Outcome.Failed;
                default:
                    return true;
            }
        }

        private async ValueTask<bool> MakeRoutableAfterRonaAsync(CancellationToken ct)
        {
            if (!_needsRoutable)
            {
                return true;
            }

            _needsRoutable = false;
            var ok = true;
            foreach (var m in Media)
            {
                var t = scenario._steps;
                ok = await Change(m, MediaAction.Routable, null, Expectation.Either, t.Routable, t.RoutableN, m.KnownState ?? MediaStates.Ready, Stopwatch.GetTimestamp(), ct) && ok;
            }

            return ok;
        }

        /// <summary>Works one task: ACCEPT, START, (PAUSE, RESUME), work, WRAP_UP if offered, CLOSE. Posts its end to the inbox.</summary>
        private async Task HandleAsync(Slot slot, bool transfer, bool pause, CancellationToken ct)
        {
            await Task.Yield();
            var outcome = Outcome.Failed;
            try
            {
                outcome = await WorkAsync(slot, transfer, pause, ct);
            }
            catch (OperationCanceledException)
            {
                outcome = Outcome.Failed;
            }
            finally
            {
                if (outcome != Outcome.Held)
                {
                    scenario.Target.Correlator.ForgetDialogPair(agent, slot.DialogId);
                }

                slot.Result = outcome;
                inbox.Channel.Writer.TryWrite(new AgentEvent(AgentEventKind.HandlerDone, slot.DialogId, slot.Media.MrdId, null, slot.TaskKey, null));
            }
        }

        private async Task<Outcome> WorkAsync(Slot slot, bool transfer, bool pause, CancellationToken ct)
        {
            var k = scenario.Tasks;
            var outcome = await Act(slot, DialogWire.Accept, ct);
            if (outcome != Outcome.Closed)
            {
                return outcome;
            }

            scenario._ledger.Worked(slot.TaskKey);
            if ((outcome = await Act(slot, DialogWire.Start, ct)) != Outcome.Closed)
            {
                return outcome;
            }

            if (transfer)
            {
                return Outcome.Held;
            }

            if (pause && slot.Actions.Contains(DialogWire.Pause))
            {
                if ((outcome = await Act(slot, DialogWire.Pause, ct)) != Outcome.Closed ||
                    (outcome = await Act(slot, DialogWire.Resume, ct)) != Outcome.Closed)
                {
                    return outcome;
                }
            }

            if (k.HandleTime > TimeSpan.Zero)
            {
                await Task.Delay(k.HandleTime, ct);
            }

            if (slot.Actions.Contains(DialogWire.WrapUp))
            {
                if ((outcome = await Act(slot, DialogWire.WrapUp, ct)) != Outcome.Closed)
                {
                    return outcome;
                }

                if (k.WrapUpTime > TimeSpan.Zero)
                {
                    await Task.Delay(k.WrapUpTime, ct);
                }
            }

            return await Act(slot, DialogWire.Close, ct);
        }

        /// <summary>One action; Closed here means "done as asked". Gone: the dialog was removed under us (RONA, lifetime).</summary>
        private async Task<Outcome> Act(Slot slot, string action, CancellationToken ct)
        {
            var (http, notified) = scenario._steps.Actions[action];
            for (var attempt = 0; ; attempt++)
            {
                if (slot.IsRemoved)
                {
                    return Outcome.Gone;
                }

                var (status, result) = await scenario.Target.DialogActAsync(slot.Media, slot.DialogId, action, http, notified, Stopwatch.GetTimestamp(), ct, backoff);
                if (status != 202)
                {
                    // A removal racing the request (RONA, lifetime) makes it fail honestly; the task is not ours any more.
                    var removedMeanwhile = await Task.WhenAny(slot.Removed, Task.Delay(TimeSpan.FromMilliseconds(500), ct)) == slot.Removed;
                    return removedMeanwhile ? Outcome.Gone : Outcome.Failed;
                }

                if (result is { Kind: OutcomeKind.Notified } r)
                {
                    if (r.Update?.Dialog is { } d)
                    {
                        slot.Actions = d.Actions;
                    }

                    return Outcome.Closed;
                }

                if (result is { Kind: OutcomeKind.AsyncError, Update.ErrorMessage: DialogWire.InterruptRefusal } && attempt < InterruptRetries)
                {
                    await Task.Delay(InterruptRetryDelay, ct);
                    continue;
                }

                return slot.IsRemoved ? Outcome.Gone : Outcome.Failed;
            }
        }

        /// <summary>After signing out holding an ACTIVE task with TRANSFER: its removal must come with CD_TASK_TRANSFERRED_ON_AGENT_LOGOUT.</summary>
        private async Task<bool> AwaitTransferAsync(Slot held, IterationContext ctx, long start, CancellationToken ct)
        {
            var step = scenario._steps.SignOutTransferred;
            var timeout = scenario.Target.Correlator.Timeout;
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            Slot? ignored = null;
            while (!held.IsRemoved)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    break;
                }

                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                try
                {
                    var e = await inbox.Channel.Reader.ReadAsync(cts.Token);
                    Process(e, ctx, () => false, ref ignored);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    break;
                }
            }

            scenario.Target.Correlator.ForgetDialogPair(agent, held.DialogId);
            if (!held.IsRemoved)
            {
                step.Record(false, StatusCodes.NotificationLost, Stopwatch.GetTimestamp() - start);
                return false;
            }

            var ok = held.Removed.Result == DialogWire.TransferredOnAgentLogout;
            step.Record(ok, ok ? StatusCodes.Notified : StatusCodes.NotificationContradicting, Stopwatch.GetTimestamp() - start);
            return ok;
        }

        private void DropStale()
        {
            while (inbox.Channel.Reader.TryRead(out _))
            {
            }

            _slots.Clear();
        }

        private async ValueTask<bool> Change(
            AgentMedia m, MediaAction action, string? reason, Expectation expectation, StepRecorder step, StepRecorder notified, string next, long start, CancellationToken ct, byte[]? body = null)
        {
            var o = scenario.Options;
            if (o.ThinkTime > TimeSpan.Zero)
            {
                await Task.Delay(o.ThinkTime, ct);
            }

            var done = await scenario.Target.ChangeAsync(m, action, reason, expectation, step, notified, start, o.AwaitNotifications, ct, body: body, backoff: backoff);
            m.KnownState = done ? next : null;
            return done;
        }
    }
}
