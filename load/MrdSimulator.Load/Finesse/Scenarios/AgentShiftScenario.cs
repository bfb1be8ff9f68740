using System.Collections.Concurrent;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>
/// agent-shift: each virtual user is one agent working a shift: sign in to every MRD, cycle READY / NOT_READY
/// (with reason codes) a few times, sign out with a reason code. Every action waits for its notification.
/// </summary>
public sealed class AgentShiftScenario(string name, FinesseTarget target, FinesseScenarioOptions options) : IScenario
{
    private readonly ConcurrentBag<User> _users = [];
    private Steps _steps = null!;
    private int _seed;

    public string Name { get; } = name;

    internal FinesseTarget Target { get; } = target;

    internal FinesseScenarioOptions Options { get; } = options;

    public int? MaxVirtualUsers => Options.Agents.Count;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        await Target.EnsureReachableAsync(Options.Agents[0]).WaitAsync(cancellationToken);
        _steps = new Steps(context);
        _seed = context.Seed;
    }

    public IVirtualUser CreateVirtualUser(int index)
    {
        var agent = Options.Agents[index];
        var user = new User(this, agent, Options.Mrds.Select(m => Target.Media(agent, m)).ToArray(), Backoff.For(Options.Retry, _seed, index));
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
        public StepRecorder ReadyAgain { get; } = c.Step(StepNames.ReadyAgain);
        public StepRecorder NotReady { get; } = c.Step(StepNames.NotReady);
        public StepRecorder NotReadyN { get; } = c.Step(StepNames.NotReady + StepNames.Notified);
        public StepRecorder SignOut { get; } = c.Step(StepNames.SignOut);
        public StepRecorder SignOutN { get; } = c.Step(StepNames.SignOut + StepNames.Notified);
    }

    private sealed class User(AgentShiftScenario scenario, string agent, AgentMedia[] media, Backoff? backoff) : IVirtualUser
    {
        private readonly AgentSession _session = new(backoff);
        private int _shift;

        public AgentMedia[] Media { get; } = media;

        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            var t = scenario._steps;
            var target = scenario.Target;
            var o = scenario.Options;
            var ct = ctx.CancellationToken;
            if (!await _session.PrepareAsync(target, agent, Media, o, t.Subscribe, t.Reset, t.ResetN, ctx))
            {
                return;
            }

            _shift++;
            var ok = true;
            foreach (var m in Media)
            {
                ok = ok && await Do(m, MediaAction.Login, null, t.SignIn, t.SignInN, MediaStates.NotReady);
            }

            for (var c = 0; ok && c < o.Cycles; c++)
            {
                foreach (var m in Media)
                {
                    ok = ok && await Do(m, MediaAction.Ready, null, t.Ready, t.ReadyN, MediaStates.Ready);
                    if (ok && c == 0 && o.CheckSilentReady)
                    {
                        // READY while READY: accepted, and no notification may follow.
                        ok = await target.ChangeAsync(m, MediaAction.Ready, null, Expectation.Success, t.ReadyAgain, null, ctx.NextStepStart(), true, ct, silent: true, backoff: backoff);
                    }
                }

                foreach (var m in Media)
                {
                    ok = ok && await Do(m, MediaAction.NotReady, Reason(o.NotReadyReasons, c + _shift), t.NotReady, t.NotReadyN, MediaStates.NotReady);
                }
            }

            foreach (var m in Media)
            {
                ok = ok && await Do(m, MediaAction.Logout, Reason(o.LogoutReasons, _shift), t.SignOut, t.SignOutN, MediaStates.Logout);
            }

            if (!ok)
            {
                _session.NeedsReset = true;
            }

            async ValueTask<bool> Do(AgentMedia m, MediaAction action, string? reason, StepRecorder step, StepRecorder notified, string next)
            {
                if (o.ThinkTime > TimeSpan.Zero)
                {
                    await Task.Delay(o.ThinkTime, ct);
                }

                var done = await target.ChangeAsync(m, action, reason, Expectation.Success, step, notified, ctx.NextStepStart(), o.AwaitNotifications, ct, backoff: backoff);
                m.KnownState = done ? next : null;
                return done;
            }
        }
    }

    internal static string? Reason(IReadOnlyList<string> reasons, int index) => reasons.Count == 0 ? null : reasons[index % reasons.Count];
}

/// <summary>
/// What an agent-driving virtual user does before its work: open its notification stream (once), and sign every
/// pair out when it starts from an unknown state (first iteration, or after a failed one). Both go through the user's
/// <see cref="Backoff"/>, which its other requests share.
/// </summary>
internal sealed class AgentSession(Backoff? backoff)
{
    private bool _subscribed;

    public Backoff? Backoff { get; } = backoff;

    /// <summary>The next <see cref="PrepareAsync"/> signs out first.</summary>
    public bool NeedsReset { get; set; } = true;

    /// <summary>False when the notification stream could not be opened (the iteration should end).</summary>
    public async ValueTask<bool> PrepareAsync(
        FinesseTarget target, string agent, IEnumerable<AgentMedia> media, FinesseScenarioOptions options,
        StepRecorder subscribe, StepRecorder reset, StepRecorder resetNotified, IterationContext ctx)
    {
        var ct = ctx.CancellationToken;
        if (!_subscribed)
        {
            _subscribed = await SubscribeAsync(target, agent, subscribe, ctx.NextStepStart(), ct, Backoff);
            if (!_subscribed)
            {
                return false;
            }
        }

        if (NeedsReset)
        {
            // "Not logged in" is fine.
            foreach (var m in media)
            {
                await target.ChangeAsync(m, MediaAction.Logout, AgentShiftScenario.Reason(options.LogoutReasons, 0), Expectation.Either, reset, resetNotified, ctx.NextStepStart(), true, ct, backoff: Backoff);
                m.KnownState = MediaStates.Logout;
            }

            NeedsReset = false;
        }

        return true;
    }

    /// <summary>
    /// Opens the agent's notification stream, timed as the <c>subscribe</c> step (retried, with a <paramref name="backoff"/>,
    /// as a Media PUT is); false when it failed.
    /// </summary>
    public static async ValueTask<bool> SubscribeAsync(FinesseTarget target, string agent, StepRecorder step, long start, CancellationToken ct, Backoff? backoff = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (backoff is not null && await backoff.WaitAsync(ct))
            {
                start = Untimed.Now;
            }

            var recorder = attempt == 1 ? step : step.Retries;
            try
            {
                await target.SubscribeAsync(agent, ct);
                recorder.Record(true, StatusCodes.Ok, Untimed.Now - start);
                backoff?.Succeeded();
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                var status = StatusCodes.OfSubscribeFailure(ex);
                recorder.Record(false, status, Untimed.Now - start);
                if (backoff?.RetryAfter(step, status, attempt) is not true)
                {
                    return false;
                }
            }
        }
    }
}

internal static class FinesseClean
{
    /// <summary>Signs out every pair a virtual user may have left signed in; not timed, not reported.</summary>
    public static async Task SignOutAsync(FinesseTarget target, IEnumerable<AgentMedia> media, FinesseScenarioOptions options, CancellationToken cancellationToken)
    {
        var step = Untimed.Step(StepNames.SignOut);
        var reason = AgentShiftScenario.Reason(options.LogoutReasons, 0);
        var pending = media.Where(m => m.KnownState != MediaStates.Logout).ToList();
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(pending.Select(async m =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await target.ChangeAsync(m, MediaAction.Logout, reason, Expectation.Either, step, null, Untimed.Now, false, cancellationToken);
                m.KnownState = MediaStates.Logout;
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
