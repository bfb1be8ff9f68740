namespace MrdSimulator.Grains.Runtime;

/// <summary>
/// The silo: owns the grain tables and collects idle activations every
/// <see cref="GrainRuntimeOptions.CollectionQuantum"/>.
/// </summary>
public sealed class GrainRuntime : IAsyncDisposable
{
    private readonly List<Func<TimeSpan, int>> _collectors = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _collectorLoop;
    private int _disposed;

    public GrainRuntime(GrainRuntimeOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new GrainRuntimeOptions();
        Time = time ?? TimeProvider.System;
        Metrics = new GrainRuntimeMetrics();
    }

    public GrainRuntimeOptions Options { get; }

    public TimeProvider Time { get; }

    public GrainRuntimeMetrics Metrics { get; }

    public GrainTable<TKey, TGrain> CreateTable<TKey, TGrain>(Func<TKey, TGrain> factory, IEqualityComparer<TKey>? comparer = null)
        where TKey : notnull
        where TGrain : Grain
    {
        var table = new GrainTable<TKey, TGrain>(factory, Options, Time, Metrics, comparer);
        lock (_collectors)
        {
            _collectors.Add(table.CollectIdle);
        }

        Metrics.TrackActivations(() => table.ActivationCount);
        return table;
    }

    /// <summary>Deactivates idle activations of every table now; returns how many were started.</summary>
    public int CollectIdle()
    {
        Func<TimeSpan, int>[] collectors;
        lock (_collectors)
        {
            collectors = [.. _collectors];
        }

        return collectors.Sum(c => c(Options.CollectionAge));
    }

    public void StartCollector()
    {
        _collectorLoop ??= Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Options.CollectionQuantum, Time);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                CollectIdle();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        // The host stops the silo and then its container disposes it again.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_collectorLoop is not null)
        {
            try
            {
                await _collectorLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stopping.Dispose();
        Metrics.Dispose();
    }
}
