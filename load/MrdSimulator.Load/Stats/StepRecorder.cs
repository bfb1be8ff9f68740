namespace MrdSimulator.Load.Stats;

/// <summary>Thread-safe live statistics of one step of one scenario.</summary>
public sealed class StepRecorder
{
    private readonly long[] _statusCounts = new long[StatusCodes.MaxCode - StatusCodes.MinCode + 1];
    private readonly LatencyHistogram _intervalScratch = new();
    private LatencyHistogram _previous = new();
    private LatencyHistogram _current = new();
    private long _bytesSent;
    private long _bytesReceived;
    private long _previousOk;
    private long _previousFail;
    private long _previousBytes;
    private long _gaveUp;
    private StepRecorder? _retries;

    public StepRecorder(string scenario, string step)
    {
        Scenario = scenario;
        Step = step;
    }

    public string Scenario { get; }

    public string Step { get; }

    public LatencyHistogram Ok { get; } = new();

    public LatencyHistogram Fail { get; } = new();

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Requests recorded, OK or failed.</summary>
    public long Count => Ok.TotalCount + Fail.TotalCount;

    public List<IntervalPoint> Intervals { get; } = [];

    internal Engine.RunControl? Control { get; init; }

    /// <summary>The registry this recorder belongs to; its retry recorder is registered there too.</summary>
    internal Engine.StatsRegistry? Registry { get; init; }

    /// <summary>Suffix of the step that records another step's retries (<c>reset.retry</c>).</summary>
    public const string RetrySuffix = ".retry";

    /// <summary>True for the recorder of another step's retries.</summary>
    public bool IsRetry => Step.EndsWith(RetrySuffix, StringComparison.Ordinal);

    /// <summary>
    /// Where this step's retries are recorded (step <c>name.retry</c>), apart from its first attempts, so that the step's own
    /// figures stay those of first attempts. Created at the first retry: a run without retries reports no such step.
    /// </summary>
    public StepRecorder Retries
    {
        get
        {
            if (Volatile.Read(ref _retries) is { } existing)
            {
                return existing;
            }

            var created = Registry?.Step(Scenario, Step + RetrySuffix) ?? new StepRecorder(Scenario, Step + RetrySuffix) { Control = Control };
            return Interlocked.CompareExchange(ref _retries, created, null) ?? created;
        }
    }

    /// <summary>This step's retry recorder when it has retried at all, else null.</summary>
    public StepRecorder? RetriesIfAny => Volatile.Read(ref _retries);

    /// <summary>Requests of this step given up on: their last allowed attempt failed in a way a retry could have cured.</summary>
    public long GaveUp => Interlocked.Read(ref _gaveUp);

    internal void CountGaveUp() => Interlocked.Increment(ref _gaveUp);

    public void Record(bool ok, int statusCode, long latencyTicks, long bytesSent = 0, long bytesReceived = 0)
    {
        (ok ? Ok : Fail).RecordTicks(latencyTicks);
        var index = Math.Clamp(statusCode, StatusCodes.MinCode, StatusCodes.MaxCode) - StatusCodes.MinCode;
        Interlocked.Increment(ref _statusCounts[index]);
        Control?.OnRecorded(ok, statusCode);
        if (bytesSent != 0)
        {
            Interlocked.Add(ref _bytesSent, bytesSent);
        }

        if (bytesReceived != 0)
        {
            Interlocked.Add(ref _bytesReceived, bytesReceived);
        }
    }

    /// <summary>Forgets everything recorded so far (after warm-up).</summary>
    public void Reset()
    {
        Ok.Reset();
        Fail.Reset();
        _previous.Reset();
        _current.Reset();
        Array.Clear(_statusCounts);
        Interlocked.Exchange(ref _bytesSent, 0);
        Interlocked.Exchange(ref _bytesReceived, 0);
        _previousOk = 0;
        _previousFail = 0;
        _previousBytes = 0;
        Interlocked.Exchange(ref _gaveUp, 0);
        Intervals.Clear();
        if (Registry is null)
        {
            // A registered retry recorder is reset with the rest of the registry.
            RetriesIfAny?.Reset();
        }
    }

    public IReadOnlyDictionary<int, long> StatusCounts()
    {
        var result = new SortedDictionary<int, long>();
        for (var i = 0; i < _statusCounts.Length; i++)
        {
            var c = Volatile.Read(ref _statusCounts[i]);
            if (c != 0)
            {
                result[i + StatusCodes.MinCode] = c;
            }
        }

        return result;
    }

    /// <summary>
    /// Closes the interval that ended at <paramref name="elapsed"/>: computes its figures from the
    /// difference of cumulative histograms (no sample is lost to a swap) and appends them to <see cref="Intervals"/>.
    /// Called from one thread only.
    /// </summary>
    public IntervalPoint CloseInterval(TimeSpan elapsed, TimeSpan length)
    {
        var okTotal = Ok.TotalCount;
        var failTotal = Fail.TotalCount;
        _current.CopyFrom(Ok);
        _intervalScratch.SetToDifference(_current, _previous);
        (_previous, _current) = (_current, _previous);
        var okCount = okTotal - _previousOk;
        var failCount = failTotal - _previousFail;
        _previousOk = okTotal;
        _previousFail = failTotal;
        var bytes = BytesSent + BytesReceived;
        var bytesDelta = bytes - _previousBytes;
        _previousBytes = bytes;
        var seconds = Math.Max(length.TotalSeconds, 1e-6);
        var point = new IntervalPoint(
            Math.Round(elapsed.TotalSeconds, 3),
            okCount,
            failCount,
            Math.Round((okCount + failCount) / seconds, 2),
            Micros(_intervalScratch.ValueAtPercentile(50)),
            Micros(_intervalScratch.ValueAtPercentile(95)),
            Micros(_intervalScratch.ValueAtPercentile(99)),
            Micros(_intervalScratch.Max),
            Math.Round(_intervalScratch.Mean / 1000.0, 3),
            bytesDelta);
        Intervals.Add(point);
        return point;
    }

    private static double Micros(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>One reporting interval of one step. Latencies in milliseconds (OK requests only).</summary>
public sealed record IntervalPoint(
    double ElapsedSeconds,
    long Ok,
    long Fail,
    double Rps,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    long Bytes);
