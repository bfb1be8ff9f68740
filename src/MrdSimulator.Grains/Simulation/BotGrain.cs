using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// A simulated agent in one MRD, driven by the same Updates and grain calls as a real client: it subscribes to its
/// Media grain and reacts to offers and RONA. Bots call Media grains and wait for them; Media grains reach bots only
/// through their silo's outbox, so there is no wait cycle. Kept alive while the silo runs: a bot waiting for an
/// offer has no timer, and its state lives only here.
/// </summary>
[KeepAlive]
public sealed class BotGrain(SimulationWork work, GrainOutbox outbox, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IBotGrain
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly BotTimings _timings = new(clock, outbox);
    private MediaGrainKey _key;
    private BotProfile _profile = new();
    private Random _random = new(1);
    private bool _running;
    private bool _onBreak;

    private IMediaGrain Media => GrainFactory.GetMediaGrain(_key);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = MediaGrainKey.Parse(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async ValueTask<bool> StartAsync(BotProfile profile)
    {
        if (_running)
        {
            return false;
        }

        _running = true;
        _profile = profile;
        _random = new Random(profile.Seed);
        _timings.Use(_key.MrdId, profile);
        await Media.SubscribeAsync(this.AsReference<IUpdateSubscriber>(), lease: null);
        await Media.ApplyAsync(MediaRequest.Login(profile.MaxDialogLimit, InterruptAction.Accept, DialogLogoutAction.Transfer), null);
        await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
        return true;
    }

    public async ValueTask<bool> StopAsync()
    {
        if (!_running)
        {
            return false;
        }

        _running = false;
        await Media.UnsubscribeAsync(this.AsReference<IUpdateSubscriber>());
        await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Logout), null);
        return true;
    }

    public async Task OnUpdatesAsync(ImmutableArray<Update> updates)
    {
        var source = $"/Media/{_key.MrdId}/Dialogs</source>";
        foreach (var update in updates)
        {
            var xml = update.Xml;
            if (update.Node != NodeKind.DialogsMedia || !xml.Contains(source, StringComparison.Ordinal))
            {
                continue;
            }

            if (xml.Contains("<event>POST</event>", StringComparison.Ordinal) && Between(xml, "<id>", "</id>") is { } dialogId)
            {
                await OfferedAsync(dialogId);
            }
            else if (xml.Contains("CD_RING_NO_ANSWER", StringComparison.Ordinal))
            {
                RangOut();
            }
        }
    }

    private async Task OfferedAsync(string dialogId)
    {
        if (!_running || !_known.Add(dialogId))
        {
            return;
        }

        if (_random.NextDouble() < _profile.RonaProbability)
        {
            _known.Remove(dialogId);
            return;
        }

        // No delay: accept in this turn. A timer due now would cost a tick and a separate delivery for each Update the
        // accept and start publish, at the same simulated instant.
        if (_profile.AcceptDelaySeconds <= 0)
        {
            _timings.Armed(dialogId, 0);
            await WorkAsync(dialogId);
            return;
        }

        After(dialogId, _profile.AcceptDelaySeconds, () => WorkAsync(dialogId));
    }

    private async Task WorkAsync(string dialogId)
    {
        _timings.Fired(dialogId);
        if (await Media.ActAsync(dialogId, DialogAction.Accept, null, null) != DialogActResult.Accepted
            || await Media.ActAsync(dialogId, DialogAction.Start, null, null) != DialogActResult.Accepted)
        {
            _known.Remove(dialogId);
            _timings.Forget(dialogId);
            return;
        }

        var dialog = (await Media.GetDialogsAsync()).Dialogs.Find(d => d.Id == dialogId);
        var handle = dialog?.WorkHint?.TotalSeconds ?? Exponential(_profile.MeanHandleSeconds);
        _timings.Started(dialogId, dialog, handle);
        After(dialogId, handle, () => WrapUpAsync(dialogId));
    }

    private async Task WrapUpAsync(string dialogId)
    {
        _timings.Fired(dialogId);
        if (_profile.WrapUpSeconds <= 0)
        {
            await CloseAsync(dialogId);
            return;
        }

        await Media.ActAsync(dialogId, DialogAction.WrapUp, null, null);
        After(dialogId, _profile.WrapUpSeconds, () => CloseAsync(dialogId));
    }

    private async Task CloseAsync(string dialogId)
    {
        _known.Remove(dialogId);
        _timings.Fired(dialogId);
        _timings.Closed(dialogId, await Media.ActAsync(dialogId, DialogAction.Close, null, null) == DialogActResult.Accepted);
        if (_running && !_onBreak && _known.Count == 0 && _random.NextDouble() < _profile.BreakProbability)
        {
            var effect = await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.NotReady, _profile.BreakReasonCodeId), null);
            if (effect != MediaEffect.Error)
            {
                _onBreak = true;
                After(Exponential(_profile.MeanBreakSeconds), BackFromBreakAsync);
            }
        }
    }

    private async Task BackFromBreakAsync()
    {
        _onBreak = false;
        if (_running)
        {
            await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
        }
    }

    /// <summary>After a RONA the agent is not routable; the bot makes itself routable again a little later.</summary>
    private void RangOut() => After(Math.Max(1, _profile.AcceptDelaySeconds), async () =>
    {
        if (_running && !(await Media.GetStateAsync()).Routable)
        {
            await Media.ApplyAsync(MediaRequest.SetRoutable(true), null);
        }
    });

    private void After(double seconds, Func<Task> action) => this.After(TimeSpan.FromSeconds(Math.Max(0, seconds)), work, action);

    /// <summary>A step of a dialog's work: its timer's lateness is part of the distortion the bot reports.</summary>
    private void After(string dialogId, double seconds, Func<Task> action)
    {
        _timings.Armed(dialogId, seconds);
        After(seconds, action);
    }

    private double Exponential(double mean) => mean <= 0 ? 0 : -mean * Math.Log(1 - _random.NextDouble());

    private static string? Between(string text, string open, string close)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += open.Length;
        var end = text.IndexOf(close, start, StringComparison.Ordinal);
        return end < 0 ? null : text[start..end];
    }
}
