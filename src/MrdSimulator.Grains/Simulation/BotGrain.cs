using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Runtime;

namespace MrdSimulator.Grains.Simulation;

/// <summary>How a bot agent works. Durations are in simulated time (they speed up with the time scale).</summary>
/// <param name="MeanHandleTime">Mean of the exponential time from START to WRAP_UP, used when the task carries no work of its own.</param>
/// <param name="BreakProbability">Chance of taking a NOT_READY break (with <paramref name="BreakReasonCodeId"/>) after a task.</param>
/// <param name="RonaProbability">Chance of letting an offer ring out (RONA) instead of accepting it.</param>
public sealed record BotProfile(
    int MaxDialogLimit = 1,
    double MeanHandleSeconds = 180,
    double AcceptDelaySeconds = 2,
    double WrapUpSeconds = 10,
    double BreakProbability = 0.05,
    double MeanBreakSeconds = 300,
    int? BreakReasonCodeId = null,
    double RonaProbability = 0,
    int Seed = 1);

/// <summary>
/// A simulated agent in one MRD, driven by the same notifications and grain calls as a real client:
/// it watches its Dialogs/Media node, and on an offer accepts, starts, works for a sampled handle time,
/// wraps up and closes; between tasks it sometimes takes a break with a reason code. Bots call Media
/// grains and wait for them; Media grains reach bots only through the notification hub (a post), so
/// there is no wait cycle.
/// </summary>
public sealed class BotGrain(MediaGrainKey key, Silo silo) : Grain, INotificationSink
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private BotProfile _profile = new();
    private Random _random = new(1);
    private IDisposable? _subscription;
    private IDisposable? _keepAlive;
    private bool _running;
    private bool _onBreak;

    private IMediaGrain Media => silo.GetMediaGrain(key.UserId, key.MrdId);

    public async ValueTask<bool> StartAsync(BotProfile profile)
    {
        if (_running)
        {
            return false;
        }

        _running = true;
        _profile = profile;
        _random = new Random(profile.Seed);
        _subscription = silo.Hub.Subscribe(new NodeKey(key.UserId, NodeKind.DialogsMedia), this);

        // The hub delivers to this instance: keep it activated while the bot runs.
        _keepAlive = RegisterTimer(_ => Task.CompletedTask, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        await Media.ApplyAsync(MediaRequest.Login(profile.MaxDialogLimit, InterruptAction.Accept, DialogLogoutAction.Transfer), null).ConfigureAwait(false);
        await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<bool> StopAsync()
    {
        if (!_running)
        {
            return false;
        }

        _running = false;
        _subscription?.Dispose();
        _keepAlive?.Dispose();
        await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Logout), null).ConfigureAwait(false);
        return true;
    }

    /// <summary>Called by the hub on the publisher's thread: never block, just post to this grain.</summary>
    public bool TryDeliver(Notification notification)
    {
        var update = notification.UpdateXml;
        if (update.Contains("<event>POST</event>", StringComparison.Ordinal)
            && update.Contains($"/Media/{key.MrdId}/Dialogs</source>", StringComparison.Ordinal)
            && Between(update, "<id>", "</id>") is { } dialogId)
        {
            silo.Tasks.Observe(silo.BotGrains.Post(key, b => b.OfferedAsync(dialogId)));
        }
        else if (update.Contains("CD_RING_NO_ANSWER", StringComparison.Ordinal) && update.Contains($"/Media/{key.MrdId}/Dialogs</source>", StringComparison.Ordinal))
        {
            silo.Tasks.Observe(silo.BotGrains.Post(key, b => b.RangOutAsync()));
        }

        return true;
    }

    private ValueTask<bool> OfferedAsync(string dialogId)
    {
        if (!_running || !_known.Add(dialogId))
        {
            return ValueTask.FromResult(false);
        }

        if (_random.NextDouble() < _profile.RonaProbability)
        {
            _known.Remove(dialogId);
            return ValueTask.FromResult(true);
        }

        After(_profile.AcceptDelaySeconds, () => WorkAsync(dialogId));
        return ValueTask.FromResult(true);
    }

    private async Task WorkAsync(string dialogId)
    {
        if (await Media.ActAsync(dialogId, DialogAction.Accept, null, null).ConfigureAwait(false) != DialogActResult.Accepted
            || await Media.ActAsync(dialogId, DialogAction.Start, null, null).ConfigureAwait(false) != DialogActResult.Accepted)
        {
            _known.Remove(dialogId);
            return;
        }

        var dialog = (await Media.GetDialogsAsync().ConfigureAwait(false)).Dialogs.Find(d => d.Id == dialogId);
        var handle = dialog?.WorkHint?.TotalSeconds ?? Exponential(_profile.MeanHandleSeconds);
        After(handle, () => WrapUpAsync(dialogId));
    }

    private async Task WrapUpAsync(string dialogId)
    {
        if (_profile.WrapUpSeconds <= 0)
        {
            await CloseAsync(dialogId).ConfigureAwait(false);
            return;
        }

        await Media.ActAsync(dialogId, DialogAction.WrapUp, null, null).ConfigureAwait(false);
        After(_profile.WrapUpSeconds, () => CloseAsync(dialogId));
    }

    private async Task CloseAsync(string dialogId)
    {
        _known.Remove(dialogId);
        await Media.ActAsync(dialogId, DialogAction.Close, null, null).ConfigureAwait(false);
        if (_running && !_onBreak && _known.Count == 0 && _random.NextDouble() < _profile.BreakProbability)
        {
            var outcome = await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.NotReady, _profile.BreakReasonCodeId), null).ConfigureAwait(false);
            if (outcome.Effect != MediaEffect.Error)
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
            await Media.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null).ConfigureAwait(false);
        }
    }

    /// <summary>After a RONA the agent is not routable; the bot makes itself routable again a little later.</summary>
    private ValueTask<bool> RangOutAsync()
    {
        After(Math.Max(1, _profile.AcceptDelaySeconds), async () =>
        {
            if (_running && !(await Media.GetStateAsync().ConfigureAwait(false)).Routable)
            {
                await Media.ApplyAsync(MediaRequest.SetRoutable(true), null).ConfigureAwait(false);
            }
        });
        return ValueTask.FromResult(true);
    }

    private void After(double seconds, Func<Task> action)
    {
        IDisposable? timer = null;
        timer = RegisterTimer(
            async _ =>
            {
                timer?.Dispose();
                await action().ConfigureAwait(false);
            },
            TimeSpan.FromSeconds(Math.Max(0, seconds)),
            Timeout.InfiniteTimeSpan);
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
