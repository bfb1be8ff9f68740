using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.GrainInterfaces.Chaos;
using StackExchange.Redis;

namespace MrdSimulator.Gateway.Chaos.Cluster;

/// <summary>
/// Makes this cluster process follow the cluster's chaos plan: it joins the chaos grain, reconciles the engine with
/// every change it is told of and with the answer to each renewal (so a missed change is caught up within
/// <see cref="RenewEvery"/>), and sends what the engine records to the cluster's log (<see cref="RedisChaosLog"/>) in
/// small batches.
/// </summary>
public sealed partial class ChaosReplica(IGrainFactory grains, ChaosEngine engine, RedisChaosLog chaosLog, SimulatorOptions node, ILogger<ChaosReplica> log)
    : IChaosReplica, IChaosRecordSink, IHostedService, IDisposable
{
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>Records held for the log at most; beyond it they are counted, not kept (counts stay exact).</summary>
    private const int MaxPendingRecords = 50_000;

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private List<Injection> _injections = [];
    private List<DroppedNotification> _drops = [];
    private Dictionary<string, long> _injectedByFault = new(StringComparer.Ordinal);
    private Dictionary<string, long> _injectedByKind = new(StringComparer.Ordinal);
    private Dictionary<string, long> _undeliveredByFault = new(StringComparer.Ordinal);
    private long _sessionsDropped;
    private long _leftOut;
    private IChaosReplica? _self;
    private Task? _loops;

    private IChaosControlGrain Control => grains.GetGrain<IChaosControlGrain>(0);

    private ChaosNode Node => new(node.NodeName!, node.Role.ToString().ToLowerInvariant());

    public Task ChangedAsync(ChaosClusterState state) => engine.ReconcileAsync(state);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _self = grains.CreateObjectReference<IChaosReplica>(this);
        engine.Sink = this;
        _loops = Task.WhenAll(RenewLoopAsync(_stopping.Token), FlushLoopAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loops is not null)
        {
            await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await FlushAsync(TimeSpan.FromSeconds(2));
        try
        {
            await Control.LeaveAsync(_self!).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException)
        {
            // The grain drops a process that stopped renewing anyway.
        }
    }

    public void Dispose()
    {
        engine.Sink = null;
        _stopping.Dispose();
        _sending.Dispose();
    }

    public void Injected(Injection injection)
    {
        lock (_gate)
        {
            Count(_injectedByFault, injection.FaultId);
            Count(_injectedByKind, injection.Kind);
            Keep(_injections, injection);
        }
    }

    public void Undelivered(DroppedNotification drop)
    {
        lock (_gate)
        {
            Count(_undeliveredByFault, drop.FaultId);
            Keep(_drops, drop);
        }
    }

    public void SessionsDropped(long count)
    {
        lock (_gate)
        {
            _sessionsDropped += count;
        }
    }

    public async Task FlushAsync(TimeSpan timeout)
    {
        if (!await _sending.WaitAsync(timeout))
        {
            return;
        }

        try
        {
            var batch = TakeBatch();
            if (batch is null)
            {
                return;
            }

            try
            {
                await chaosLog.AppendAsync(batch).WaitAsync(timeout);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                PutBack(batch);
                LogSendFailed(ex.Message);
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task RenewLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await engine.ReconcileAsync(await Control.JoinAsync(_self!, Node).WaitAsync(stopping));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogJoinFailed(ex.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(RenewEvery, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FlushLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(FlushEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await FlushAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private ChaosLogBatch? TakeBatch()
    {
        lock (_gate)
        {
            if (_injections.Count == 0 && _drops.Count == 0 && _injectedByFault.Count == 0 && _undeliveredByFault.Count == 0 && _sessionsDropped == 0 && _leftOut == 0)
            {
                return null;
            }

            var batch = new ChaosLogBatch(node.NodeName!, _injections, _drops, _injectedByFault, _injectedByKind, _undeliveredByFault, _sessionsDropped, _leftOut);
            _injections = [];
            _drops = [];
            _injectedByFault = new(StringComparer.Ordinal);
            _injectedByKind = new(StringComparer.Ordinal);
            _undeliveredByFault = new(StringComparer.Ordinal);
            _sessionsDropped = 0;
            _leftOut = 0;
            return batch;
        }
    }

    /// <summary>A batch the log did not take goes back in front of what came since, so order and counts hold.</summary>
    private void PutBack(ChaosLogBatch batch)
    {
        lock (_gate)
        {
            _injections.InsertRange(0, batch.Injections);
            _drops.InsertRange(0, batch.Drops);
            Add(_injectedByFault, batch.InjectedByFault);
            Add(_injectedByKind, batch.InjectedByKind);
            Add(_undeliveredByFault, batch.UndeliveredByFault);
            _sessionsDropped += batch.SessionsDropped;
            _leftOut += batch.RecordsLeftOut;
            Trim(_injections);
            Trim(_drops);
        }
    }

    private void Keep<T>(List<T> records, T record)
    {
        if (records.Count < MaxPendingRecords)
        {
            records.Add(record);
        }
        else
        {
            _leftOut++;
        }
    }

    private void Trim<T>(List<T> records)
    {
        if (records.Count > MaxPendingRecords)
        {
            _leftOut += records.Count - MaxPendingRecords;
            records.RemoveRange(MaxPendingRecords, records.Count - MaxPendingRecords);
        }
    }

    private static void Count(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void Add(Dictionary<string, long> counts, IReadOnlyDictionary<string, long> delta)
    {
        foreach (var (key, n) in delta)
        {
            counts[key] = counts.GetValueOrDefault(key) + n;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos: joining the cluster's plan failed ({Error}); retrying")]
    private partial void LogJoinFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chaos: sending records to the cluster's log failed ({Error}); kept for the next batch")]
    private partial void LogSendFailed(string error);
}
