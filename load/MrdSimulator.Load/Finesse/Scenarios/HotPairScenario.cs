using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>
/// hot-pair: many clients (virtual users) hammer one agent × MRD pair with READY / NOT_READY changes without
/// waiting for notifications. The server must serialise them; the correlator checks that every accepted request
/// gets exactly one notification, in an order compatible with what the clients observed, and that the sequence
/// of states is possible. READY while the pair is already READY may stay silent.
/// </summary>
public sealed class HotPairScenario(string name, FinesseTarget target, FinesseScenarioOptions options) : IScenario
{
    private AgentMedia _media = null!;
    private StepRecorder _ready = null!, _readyN = null!, _notReady = null!, _notReadyN = null!;
    private int _seed;

    public string Name { get; } = name;

    internal FinesseTarget Target { get; } = target;

    internal FinesseScenarioOptions Options { get; } = options;

    public int? MaxVirtualUsers => null;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        await Target.EnsureReachableAsync().WaitAsync(cancellationToken);
        var agent = Options.Agents[0];
        _media = Target.Media(agent, Options.Mrds[0]);
        await Target.SubscribeAsync(agent, cancellationToken);
        var setup = Untimed.Step("setup");
        await Target.ChangeAsync(_media, MediaAction.Logout, AgentShiftScenario.Reason(Options.LogoutReasons, 0), Expectation.Either, setup, null, Untimed.Now, true, cancellationToken);
        if (!await Target.ChangeAsync(_media, MediaAction.Login, null, Expectation.Success, setup, null, Untimed.Now, true, cancellationToken))
        {
            throw new InvalidOperationException($"could not sign agent {agent} in to MRD {Options.Mrds[0]} (see status codes)");
        }

        _media.KnownState = MediaStates.NotReady;
        _ready = context.Step(StepNames.Ready);
        _readyN = context.Step(StepNames.Ready + StepNames.Notified);
        _notReady = context.Step(StepNames.NotReady);
        _notReadyN = context.Step(StepNames.NotReady + StepNames.Notified);
        _seed = context.Seed;
    }

    public IVirtualUser CreateVirtualUser(int index) => new Client(this, Backoff.For(Options.Retry, _seed, index));

    public Task CleanAsync(CancellationToken cancellationToken) =>
        _media is null ? Task.CompletedTask : FinesseClean.SignOutAsync(Target, [_media], Options, cancellationToken);

    private sealed class Client(HotPairScenario s, Backoff? backoff) : IVirtualUser
    {
        private int _n;

        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            _n++;
            var ct = ctx.CancellationToken;
            if (ctx.Random.Next(2) == 0)
            {
                await s.Target.ChangeAsync(s._media, MediaAction.Ready, null, Expectation.Either, s._ready, s._readyN, ctx.NextStepStart(), s.Options.AwaitNotifications, ct, maySilent: true, backoff: backoff);
            }
            else
            {
                var reason = AgentShiftScenario.Reason(s.Options.NotReadyReasons, _n + ctx.VirtualUserIndex);
                await s.Target.ChangeAsync(s._media, MediaAction.NotReady, reason, Expectation.Either, s._notReady, s._notReadyN, ctx.NextStepStart(), s.Options.AwaitNotifications, ct, backoff: backoff);
            }

            if (s.Options.ThinkTime > TimeSpan.Zero)
            {
                await Task.Delay(s.Options.ThinkTime, ct);
            }
        }
    }
}
