using System.Diagnostics.Metrics;

namespace MrdSimulator.Grains.Runtime;

/// <summary>The runtime's instruments on the <c>MrdSimulator.Grains</c> meter.</summary>
public sealed class GrainRuntimeMetrics : IDisposable
{
    public const string MeterName = "MrdSimulator.Grains";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _activations;
    private readonly Counter<long> _deactivations;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _turnDuration;
    private readonly List<Func<int>> _activationSources = [];
    private readonly object _idleGate = new();
    private long _rejectedTotal;
    private long _queued;
    private long _inFlight;
    private int _idleWaiters;

    public GrainRuntimeMetrics()
    {
        _activations = _meter.CreateCounter<long>("mrdsim.grain.activations", description: "Grain activations created");
        _deactivations = _meter.CreateCounter<long>("mrdsim.grain.deactivations", description: "Grain activations collected or deactivated");
        _rejections = _meter.CreateCounter<long>("mrdsim.grain.mailbox.rejections", description: "Calls refused because a grain's mailbox was full");
        _failures = _meter.CreateCounter<long>("mrdsim.grain.failures", description: "Timer ticks or deactivations that threw");
        _turnDuration = _meter.CreateHistogram("mrdsim.grain.turn.duration", unit: "s", description: "Duration of one grain turn",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _meter.CreateObservableGauge("mrdsim.grain.active", () => ActiveCount, description: "Live grain activations");
        _meter.CreateObservableGauge("mrdsim.grain.mailbox.depth", () => MailboxDepth, description: "Calls waiting in grain mailboxes, all grains together");
    }

    /// <summary>Bucket bounds (seconds) for sub-millisecond turns up to slow ones; the defaults (0..10000) suit milliseconds.</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public long RejectedTotal => Interlocked.Read(ref _rejectedTotal);

    /// <summary>Calls waiting behind a running turn, over every activation (kept as a counter: summing mailboxes would walk every activation).</summary>
    public long MailboxDepth => Interlocked.Read(ref _queued);

    public int ActiveCount
    {
        get
        {
            lock (_activationSources)
            {
                return _activationSources.Sum(s => s());
            }
        }
    }

    /// <summary>Grain calls entered (running or queued) and not yet finished, across every table.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Blocks until no grain call is running or queued. With a simulated clock this is the moment every
    /// consequence of the last timer has happened, so the clock may move on deterministically.
    /// </summary>
    public void WaitForQuiescence()
    {
        var spin = default(SpinWait);
        while (Interlocked.Read(ref _inFlight) != 0)
        {
            if (!spin.NextSpinWillYield)
            {
                spin.SpinOnce();
                continue;
            }

            Interlocked.Increment(ref _idleWaiters);
            lock (_idleGate)
            {
                while (Interlocked.Read(ref _inFlight) != 0)
                {
                    Monitor.Wait(_idleGate, 1);
                }
            }

            Interlocked.Decrement(ref _idleWaiters);
        }
    }

    public void Dispose() => _meter.Dispose();

    internal void WorkEntered() => Interlocked.Increment(ref _inFlight);

    internal void WorkExited()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _idleWaiters) > 0)
        {
            lock (_idleGate)
            {
                Monitor.PulseAll(_idleGate);
            }
        }
    }

    internal void TrackActivations(Func<int> source)
    {
        lock (_activationSources)
        {
            _activationSources.Add(source);
        }
    }

    internal void Queued(int delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref _queued, delta);
        }
    }

    internal void Activated() => _activations.Add(1);

    internal void Deactivated() => _deactivations.Add(1);

    internal void MailboxRejected()
    {
        Interlocked.Increment(ref _rejectedTotal);
        _rejections.Add(1);
    }

    internal void TurnCompleted(TimeSpan duration)
    {
        if (_turnDuration.Enabled)
        {
            _turnDuration.Record(duration.TotalSeconds);
        }
    }

    internal void TimerFailed(Exception ex) => _failures.Add(1, new KeyValuePair<string, object?>("kind", ex.GetType().Name));

    internal void DeactivationFailed(Exception ex) => _failures.Add(1, new KeyValuePair<string, object?>("kind", ex.GetType().Name));
}
