using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Grains.Statistics;

/// <summary>One silo's changes to one MRD's figures since its last report (used under the outbox lane's lock).</summary>
public sealed class MrdStatsAccumulator
{
    private static readonly int StateCount = Enum.GetValues<AgentState>().Length;
    private int[]? _states;
    private Dictionary<string, bool>? _signIns;
    private List<double>? _waits;
    private long _submitted;
    private long _routed;
    private long _withinThreshold;
    private long _handled;
    private double _handleSeconds;
    private long _transferred;
    private long _abandoned;
    private long _expired;
    private long _ronas;
    private int? _queueLength;
    private double _staffed;
    private double _busy;
    private BotTaskTiming _timings;
    private double _maxOfferLag;
    private double _maxInflation;
    private bool _dirty;

    public bool IsEmpty => !_dirty;

    public void StateChanged(AgentState from, AgentState to)
    {
        _states ??= new int[StateCount];
        _states[(int)from]--;
        _states[(int)to]++;
        _dirty = true;
    }

    /// <summary>The user's latest sign-in state in this MRD (a sign-in and sign-out in one report cancel out).</summary>
    public void SignIn(string userId, bool signedIn)
    {
        (_signIns ??= new Dictionary<string, bool>(StringComparer.Ordinal))[userId] = signedIn;
        _dirty = true;
    }

    public void Submitted()
    {
        _submitted++;
        _dirty = true;
    }

    public void Routed(TimeSpan wait, int thresholdSeconds)
    {
        _routed++;
        if (wait.TotalSeconds <= thresholdSeconds)
        {
            _withinThreshold++;
        }

        (_waits ??= []).Add(wait.TotalSeconds);
        _dirty = true;
    }

    public void Handled(TimeSpan handleTime)
    {
        _handled++;
        _handleSeconds += handleTime.TotalSeconds;
        _dirty = true;
    }

    public void Transferred()
    {
        _transferred++;
        _dirty = true;
    }

    public void Abandoned()
    {
        _abandoned++;
        _dirty = true;
    }

    public void Expired()
    {
        _expired++;
        _dirty = true;
    }

    public void Rona()
    {
        _ronas++;
        _dirty = true;
    }

    public void QueueLength(int length)
    {
        _queueLength = length;
        _dirty = true;
    }

    public void AgentTime(TimeSpan staffed, TimeSpan busy)
    {
        _staffed += staffed.TotalSeconds;
        _busy += busy.TotalSeconds;
        _dirty = true;
    }

    /// <summary>One task a bot closed: what the real-time hops added to it (docs/capacity.md, "Live time scaling").</summary>
    public void BotTask(in BotTaskTiming task)
    {
        _timings = _timings.Plus(task);
        _maxOfferLag = Math.Max(_maxOfferLag, task.OfferLagSeconds);
        _maxInflation = Math.Max(_maxInflation, task.HandleInflationSeconds);
        _dirty = true;
    }

    /// <summary>The changes so far as one delta; the accumulator starts over.</summary>
    public MrdStatsDelta Take()
    {
        var delta = new MrdStatsDelta
        {
            AgentStates = _states is null ? [] : [.. _states],
            SignIns = _signIns is null ? [] : [.. _signIns.Select(s => new SignInChange(s.Key, s.Value))],
            Submitted = _submitted,
            Routed = _routed,
            WithinThreshold = _withinThreshold,
            WaitSeconds = _waits is null ? [] : [.. _waits],
            Handled = _handled,
            HandleSeconds = _handleSeconds,
            Transferred = _transferred,
            Abandoned = _abandoned,
            Expired = _expired,
            Ronas = _ronas,
            QueueLength = _queueLength,
            StaffedSeconds = _staffed,
            BusySeconds = _busy,
            TimedTasks = _timings.Tasks,
            OfferLagSeconds = _timings.OfferLagSeconds,
            MaxOfferLagSeconds = _maxOfferLag,
            HandleInflationSeconds = _timings.HandleInflationSeconds,
            MaxHandleInflationSeconds = _maxInflation,
            IntendedHandleSeconds = _timings.IntendedHandleSeconds,
            TimerFirings = _timings.TimerFirings,
            TimerLatenessSeconds = _timings.TimerLatenessSeconds,
        };
        _states = null;
        _signIns = null;
        _waits = null;
        _submitted = _routed = _withinThreshold = _handled = _transferred = _abandoned = _expired = _ronas = 0;
        _handleSeconds = _staffed = _busy = _maxOfferLag = _maxInflation = 0;
        _timings = default;
        _queueLength = null;
        _dirty = false;
        return delta;
    }
}
