using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Engine;

/// <summary>Run-wide state: stop signal and reason, failure budget, in-flight count.</summary>
public sealed class RunControl : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private long _failures;
    private long _connectionErrors;
    private long _successes;
    private long _inFlight;
    private string? _abortReason;

    public RunControl(long maxFailCount) => MaxFailCount = maxFailCount;

    /// <summary>Stop the run after this many failed steps (0 = never).</summary>
    public long MaxFailCount { get; }

    /// <summary>When false (warm-up), failures do not count toward <see cref="MaxFailCount"/>.</summary>
    public bool CountFailures { get; set; } = true;

    public CancellationToken Stopping => _stop.Token;

    public string? AbortReason => Volatile.Read(ref _abortReason);

    public long Failures => Volatile.Read(ref _failures);

    public long ConnectionErrors => Volatile.Read(ref _connectionErrors);

    public long Successes => Volatile.Read(ref _successes);

    public long InFlight => Volatile.Read(ref _inFlight);

    public void Abort(string reason)
    {
        Interlocked.CompareExchange(ref _abortReason, reason, null);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void EnterIteration() => Interlocked.Increment(ref _inFlight);

    public void ExitIteration() => Interlocked.Decrement(ref _inFlight);

    internal void OnRecorded(bool ok, int statusCode)
    {
        if (ok)
        {
            Interlocked.Increment(ref _successes);
            return;
        }

        if (statusCode == StatusCodes.ConnectionError)
        {
            Interlocked.Increment(ref _connectionErrors);
        }

        if (!CountFailures)
        {
            return;
        }

        var failures = Interlocked.Increment(ref _failures);
        if (MaxFailCount > 0 && failures >= MaxFailCount)
        {
            Abort($"stopped after {failures} failures (max fail count {MaxFailCount})");
        }
    }

    internal void ResetCounters()
    {
        Interlocked.Exchange(ref _failures, 0);
        Interlocked.Exchange(ref _connectionErrors, 0);
        Interlocked.Exchange(ref _successes, 0);
    }

    public void Dispose() => _stop.Dispose();
}
