using System.Collections.Concurrent;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>
/// state-storm: many agents, each signed in to one MRD, flipping READY ↔ NOT_READY as fast as allowed
/// (each flip waits for its notification, as Finesse serialises requests per object). One iteration = one flip.
/// </summary>
public sealed class StateStormScenario(string name, FinesseTarget target, FinesseScenarioOptions options) : IScenario
{
    private readonly ConcurrentBag<User> _users = [];
    private StepRecorder _subscribe = null!, _reset = null!, _resetN = null!, _signIn = null!, _signInN = null!;
    private StepRecorder _ready = null!, _readyN = null!, _notReady = null!, _notReadyN = null!;
    private int _seed;

    public string Name { get; } = name;

    internal FinesseTarget Target { get; } = target;

    internal FinesseScenarioOptions Options { get; } = options;

    public int? MaxVirtualUsers => Options.Agents.Count;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        await Target.EnsureReachableAsync(Options.Agents[0]).WaitAsync(cancellationToken);
        _subscribe = context.Step(StepNames.Subscribe);
        _reset = context.Step(StepNames.Reset);
        _resetN = context.Step(StepNames.Reset + StepNames.Notified);
        _signIn = context.Step(StepNames.SignIn);
        _signInN = context.Step(StepNames.SignIn + StepNames.Notified);
        _ready = context.Step(StepNames.Ready);
        _readyN = context.Step(StepNames.Ready + StepNames.Notified);
        _notReady = context.Step(StepNames.NotReady);
        _notReadyN = context.Step(StepNames.NotReady + StepNames.Notified);
        _seed = context.Seed;
    }

    public IVirtualUser CreateVirtualUser(int index)
    {
        var agent = Options.Agents[index];
        var user = new User(this, agent, Target.Media(agent, Options.Mrds[index % Options.Mrds.Count]), Backoff.For(Options.Retry, _seed, index));
        _users.Add(user);
        return user;
    }

    public Task CleanAsync(CancellationToken cancellationToken) =>
        FinesseClean.SignOutAsync(Target, _users.Select(u => u.Media), Options, cancellationToken);

    private sealed class User(StateStormScenario s, string agent, AgentMedia media, Backoff? backoff) : IVirtualUser
    {
        private bool _subscribed;
        private int _flips;

        public AgentMedia Media { get; } = media;

        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            var target = s.Target;
            var ct = ctx.CancellationToken;
            if (!_subscribed)
            {
                _subscribed = await AgentSession.SubscribeAsync(target, agent, s._subscribe, ctx.NextStepStart(), ct, backoff);
                if (!_subscribed)
                {
                    return;
                }
            }

            if (Media.KnownState is null)
            {
                await target.ChangeAsync(Media, MediaAction.Logout, AgentShiftScenario.Reason(s.Options.LogoutReasons, 0), Expectation.Either, s._reset, s._resetN, ctx.NextStepStart(), true, ct, backoff: backoff);
                Media.KnownState = MediaStates.Logout;
            }

            if (Media.KnownState == MediaStates.Logout)
            {
                var signedIn = await target.ChangeAsync(Media, MediaAction.Login, null, Expectation.Success, s._signIn, s._signInN, ctx.NextStepStart(), true, ct, backoff: backoff);
                Media.KnownState = signedIn ? MediaStates.NotReady : null;
                return;
            }

            if (s.Options.ThinkTime > TimeSpan.Zero)
            {
                await Task.Delay(s.Options.ThinkTime, ct);
            }

            _flips++;
            var toReady = Media.KnownState != MediaStates.Ready;
            var ok = toReady
                ? await target.ChangeAsync(Media, MediaAction.Ready, null, Expectation.Success, s._ready, s._readyN, ctx.NextStepStart(), s.Options.AwaitNotifications, ct, backoff: backoff)
                : await target.ChangeAsync(Media, MediaAction.NotReady, AgentShiftScenario.Reason(s.Options.NotReadyReasons, _flips), Expectation.Success, s._notReady, s._notReadyN, ctx.NextStepStart(), s.Options.AwaitNotifications, ct, backoff: backoff);
            Media.KnownState = ok ? (toReady ? MediaStates.Ready : MediaStates.NotReady) : null;
        }
    }
}
