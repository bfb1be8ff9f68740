using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Statistics;

namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// One bot's measure of how far simulated time drifts from what it intended (docs/capacity.md, "Live time
/// scaling"). Under <c>--time-scale</c> every real-time hop (Update delivery, grain call, timer dispatch) costs
/// real milliseconds that become scale-times-larger simulated seconds; only the bot knows which part of a task's
/// timeline it meant, so it reports the rest per task to the MRD's figures. Used on the bot's turn only; per
/// dialog it keeps a struct in a dictionary, so a task allocates nothing beyond the one statistics posting.
/// </summary>
internal sealed class BotTimings(TimeProvider clock, GrainOutbox outbox)
{
    private readonly Dictionary<string, Track> _tracks = new(StringComparer.Ordinal);
    private int _mrdId;
    private double _acceptDelay;
    private double _wrapUp;

    public void Use(int mrdId, BotProfile profile)
    {
        _mrdId = mrdId;
        _acceptDelay = Math.Max(0, profile.AcceptDelaySeconds);
        _wrapUp = Math.Max(0, profile.WrapUpSeconds);
        _tracks.Clear();
    }

    /// <summary>A timer for the dialog is armed to fire after <paramref name="seconds"/>.</summary>
    public void Armed(string dialogId, double seconds)
    {
        ref var track = ref CollectionsMarshal.GetValueRefOrAddDefault(_tracks, dialogId, out _);
        track.Due = clock.GetUtcNow().UtcDateTime.AddSeconds(Math.Max(0, seconds));
    }

    /// <summary>The dialog's armed timer fired: how late is the clock now against its due time.</summary>
    public void Fired(string dialogId)
    {
        ref var track = ref CollectionsMarshal.GetValueRefOrNullRef(_tracks, dialogId);
        if (Unsafe.IsNullRef(ref track) || track.Due == default)
        {
            return;
        }

        track.Timers++;
        track.Lateness += Math.Max(0, (clock.GetUtcNow().UtcDateTime - track.Due).TotalSeconds);
        track.Due = default;
    }

    /// <summary>
    /// The dialog as the Media grain holds it after START: its own stamps of the offer and of START's landing split
    /// the task into the accept part and the handle part, whatever the bot's own Update delivery took.
    /// </summary>
    public void Started(string dialogId, TaskDialog? dialog, double handleSeconds)
    {
        ref var track = ref CollectionsMarshal.GetValueRefOrNullRef(_tracks, dialogId);
        if (Unsafe.IsNullRef(ref track))
        {
            return;
        }

        if (dialog is not { State: DialogState.Active })
        {
            // Something else changed the dialog since START (a timeout): no clean stamps to measure from.
            _tracks.Remove(dialogId);
            return;
        }

        track.StartedAt = dialog.StateChangeTime;
        track.OfferLag = (dialog.StateChangeTime - dialog.StartTime).TotalSeconds - _acceptDelay;
        track.Intended = Math.Max(0, handleSeconds) + _wrapUp;
    }

    /// <summary>The bot's CLOSE was acknowledged (or refused): the task's figures go to the MRD's statistics.</summary>
    public void Closed(string dialogId, bool accepted)
    {
        if (!_tracks.Remove(dialogId, out var track) || !accepted || track.StartedAt == default)
        {
            return;
        }

        var inflation = (clock.GetUtcNow().UtcDateTime - track.StartedAt).TotalSeconds - track.Intended;
        outbox.Stats(_mrdId, new BotTaskTiming(1, track.OfferLag, inflation, track.Intended, track.Timers, track.Lateness), static (s, t) => s.BotTask(t));
    }

    public void Forget(string dialogId) => _tracks.Remove(dialogId);

    private struct Track
    {
        public DateTime Due;
        public DateTime StartedAt;
        public double OfferLag;
        public double Intended;
        public int Timers;
        public double Lateness;
    }
}
