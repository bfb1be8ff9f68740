namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Figures read from grains for metrics. Metric callbacks run synchronously and cannot wait for a grain, so they
/// report the last reading and start a new one in the background when it is more than <see cref="MaxAge"/> old;
/// <c>/metrics</c> and the dashboard await a fresh one first (<see cref="IGrainMetricSource"/>). One read at a time,
/// at most once per <see cref="MaxAge"/> however many scrapers, exporters and dashboards ask.
/// </summary>
public sealed class GrainReading<T>(Func<Task<T>> read, T initial) : IDisposable
    where T : class
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private T _last = initial;
    private long _readAt = -1;

    /// <summary>The last reading (possibly a second old; <c>initial</c> before the first).</summary>
    public T Last => Volatile.Read(ref _last);

    /// <summary>The reading, read again when older than <see cref="MaxAge"/>.</summary>
    public async Task<T> GetAsync(CancellationToken cancellationToken = default)
    {
        if (IsFresh(Volatile.Read(ref _readAt)))
        {
            return Last;
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (!IsFresh(_readAt))
            {
                Volatile.Write(ref _last, await read());
                Volatile.Write(ref _readAt, Environment.TickCount64);
            }

            return _last;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>For metric callbacks: the last reading, with a new one started in the background if it is stale.</summary>
    public T Observe()
    {
        if (!IsFresh(Volatile.Read(ref _readAt)))
        {
            _ = RefreshAsync();
        }

        return Last;
    }

    public void Dispose() => _reading.Dispose();

    private static bool IsFresh(long readAt) => readAt >= 0 && Environment.TickCount64 - readAt <= MaxAge.TotalMilliseconds;

    /// <summary>A read nobody waits for: a grain that cannot answer now leaves the last reading in place.</summary>
    private async Task RefreshAsync()
    {
        try
        {
            await GetAsync();
        }
        catch (Exception ex) when (Http.GrainFailureMiddleware.IsGrainFailure(ex))
        {
        }
    }
}

/// <summary>Metrics read from grains: <c>/metrics</c> and the dashboard await <see cref="RefreshAsync"/> before collecting.</summary>
public interface IGrainMetricSource
{
    Task RefreshAsync(CancellationToken cancellationToken);
}
