using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Grains.Statistics;

/// <summary>
/// The figures of one MRD, summed from every silo's reports. Kept alive for the silo's lifetime: its counts are
/// in memory (telemetry, rebuilt from nothing only if the whole simulator restarts).
/// </summary>
[KeepAlive]
public sealed class MrdStatsGrain(SimulatorDirectory directory) : Grain, IMrdStatsGrain
{
    private readonly HashSet<string> _signedIn = new(StringComparer.Ordinal);
    private int[] _states = [];
    private MediaRoutingDomain _mrd = null!;
    private WaitDistribution _waits = null!;
    private int _assigned;
    private long _submitted;
    private long _routed;
    private long _withinThreshold;
    private long _handled;
    private double _handleSeconds;
    private long _transferred;
    private long _abandoned;
    private long _expired;
    private long _ronas;
    private int _queued;
    private double _staffed;
    private double _busy;
    private BotTaskTiming _timings;
    private double _maxOfferLag;
    private double _maxInflation;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var mrdId = (int)this.GetPrimaryKeyLong();
        _mrd = directory.FindMrd(mrdId) ?? throw new InvalidOperationException($"Unknown MRD {mrdId}");
        _assigned = directory.Users.Count(u => u.IsAssignedTo(mrdId));
        _waits = new WaitDistribution(seed: mrdId);

        // Agents never signed in are LOGOUT: the counts start there and move with every reported change.
        _states = new int[Enum.GetValues<AgentState>().Length];
        _states[(int)AgentState.Logout] = _assigned;
        return Task.CompletedTask;
    }

    public ValueTask ApplyAsync(MrdStatsDelta delta)
    {
        for (var i = 0; i < delta.AgentStates.Length; i++)
        {
            _states[i] += delta.AgentStates[i];
        }

        foreach (var (user, signedIn) in delta.SignIns)
        {
            if (signedIn)
            {
                _signedIn.Add(user);
            }
            else
            {
                _signedIn.Remove(user);
            }
        }

        _submitted += delta.Submitted;
        _routed += delta.Routed;
        _withinThreshold += delta.WithinThreshold;
        foreach (var wait in delta.WaitSeconds)
        {
            _waits.Add(wait);
        }

        _handled += delta.Handled;
        _handleSeconds += delta.HandleSeconds;
        _transferred += delta.Transferred;
        _abandoned += delta.Abandoned;
        _expired += delta.Expired;
        _ronas += delta.Ronas;
        _queued = delta.QueueLength ?? _queued;
        _staffed += delta.StaffedSeconds;
        _busy += delta.BusySeconds;
        _timings = _timings.Plus(new BotTaskTiming(
            delta.TimedTasks, delta.OfferLagSeconds, delta.HandleInflationSeconds, delta.IntendedHandleSeconds, delta.TimerFirings, delta.TimerLatenessSeconds));
        _maxOfferLag = Math.Max(_maxOfferLag, delta.MaxOfferLagSeconds);
        _maxInflation = Math.Max(_maxInflation, delta.MaxHandleInflationSeconds);
        return ValueTask.CompletedTask;
    }

    public ValueTask<CapacitySnapshot> GetCapacityAsync() => ValueTask.FromResult(Capacity());

    public ValueTask<MrdTaskFigures> GetTaskFiguresAsync() =>
        ValueTask.FromResult(new MrdTaskFigures(Capacity(), WaitDistribution.Bounds, _waits.Counts, _waits.Sum));

    public ValueTask<double> GetAverageHandleSecondsAsync() => ValueTask.FromResult(_handled == 0 ? 0 : _handleSeconds / _handled);

    public ValueTask<MrdAgents> GetAgentsAsync() =>
        ValueTask.FromResult(new MrdAgents(_mrd.Id, _assigned, [.. _states], _signedIn.Count));

    public ValueTask<ImmutableArray<string>> GetSignedInAsync() =>
        ValueTask.FromResult(_signedIn.Order(StringComparer.Ordinal).ToImmutableArray());

    private CapacitySnapshot Capacity()
    {
        var slDenominator = _routed + _abandoned + _expired;
        var timed = _timings.Tasks > 0;
        return new CapacitySnapshot(
            _mrd.Id,
            _mrd.Name,
            _submitted,
            _routed,
            _routed,
            _handled,
            _transferred,
            _abandoned,
            _expired,
            _ronas,
            _queued,
            _routed == 0 ? 0 : _waits.Sum / _routed,
            _waits.P90,
            _mrd.ServiceLevelThresholdSeconds,
            slDenominator == 0 ? null : (double)_withinThreshold / slDenominator,
            _staffed <= 0 ? null : _busy / _staffed,
            _staffed,
            _busy,
            _handled == 0 ? 0 : _handleSeconds / _handled,
            _timings.Tasks,
            PerTask(_timings.OfferLagSeconds),
            timed ? _maxOfferLag : null,
            PerTask(_timings.HandleInflationSeconds),
            timed ? _maxInflation : null,
            _timings.TimerFirings == 0 ? null : _timings.TimerLatenessSeconds / _timings.TimerFirings,
            PerTask(_timings.IntendedHandleSeconds));

        double? PerTask(double sum) => timed ? sum / _timings.Tasks : null;
    }
}
