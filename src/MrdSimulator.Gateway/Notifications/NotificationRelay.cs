using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using MrdSimulator.Domain.Directory;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// Brings the Updates of the users this process holds sessions for to its <see cref="NotificationHub"/>. It is
/// one Orleans observer for the whole process: a session asks it to watch its user, and it subscribes to that
/// user's Media grains (one per non-voice MRD) on its first session and renews the subscriptions while sessions
/// remain. After the last session it stops renewing and the grains let the lease lapse, so Updates published while
/// a fault keeps a user's session away still arrive for a while and can be accounted for, and a user who comes
/// back finds the subscriptions in place. Each source's Updates carry an activation epoch and a sequence: a gap is
/// counted and logged; a repeat (a retried delivery) and an Update of an older state version than one delivered (a
/// superseded activation's, after a silo failure) are counted, logged and dropped, so a session never sees an Update
/// twice or goes back in time. When a silo of the cluster goes away the relay renews every watch at once, so the grains it
/// held come back on the survivors and publish again a Media Update their silo may have taken with it
/// (<see cref="Update.Replay"/>); a replay of the Update this process last delivered for that source is dropped.
/// </summary>
public sealed partial class NotificationRelay : IUpdateSubscriber, IHostedService, IDisposable
{
    /// <summary>Renewal period; well inside the grains' lease (<c>MediaGrain.DefaultLease</c>, 2 min).</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(40);

    /// <summary>The subscription lease the relay asks for.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    // Seconds before each renewal pass after a silo went away: the first pass may still meet the dead silo before
    // membership declares it dead (fast detection takes a few seconds); the later ones find the survivors.
    private static readonly int[] RenewBurstDelays = [1, 5, 10];

    private readonly IGrainFactory _grains;
    private readonly NotificationHub _hub;
    private readonly SimulatorDirectory _directory;
    private readonly ILogger<NotificationRelay> _log;
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly Dictionary<(string User, int Mrd), SourcePosition> _sources = [];

    // Orleans may run two observer calls at once (two silos delivering for one source, the old activation's and the new
    // one's): admission and hand-off to the hub happen as one step, so the order admitted is the order published.
    private readonly Lock _admitGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private IUpdateSubscriber? _self;
    private Task? _renewals;
    private int _disposed;
    private long _gaps;
    private long _repeats;
    private long _stale;
    private long _replaysDelivered;
    private long _replaysDropped;
    private int _renewBurst;

    public NotificationRelay(IGrainFactory grains, NotificationHub hub, SimulatorDirectory directory, IMeterFactory meters, ILogger<NotificationRelay> log)
    {
        var meter = meters.Create(NotificationHub.MeterName);
        _grains = grains;
        _hub = hub;
        _directory = directory;
        _log = log;
        meter.CreateObservableCounter("mrdsim.notifications.gaps", () => Interlocked.Read(ref _gaps),
            description: "Updates missing from a source's sequence when the next one arrived (lost before reaching this process)");
        meter.CreateObservableCounter("mrdsim.notifications.repeats", () => Interlocked.Read(ref _repeats),
            description: "Updates that arrived twice (a delivery retried after a timeout) and were dropped");
        meter.CreateObservableCounter("mrdsim.notifications.stale", () => Interlocked.Read(ref _stale),
            description: "Updates of an older state version than one already delivered (a superseded activation's, late after a silo failure), dropped so sessions never go back in time");
        meter.CreateObservableGauge("mrdsim.notifications.watched_users", () => _watches.Count,
            description: "Users whose Updates this process subscribes to");
        meter.CreateObservableCounter("mrdsim.notifications.replays", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _replaysDelivered), new KeyValuePair<string, object?>("outcome", "delivered")),
            new Measurement<long>(Interlocked.Read(ref _replaysDropped), new KeyValuePair<string, object?>("outcome", "duplicate")),
        }, description: "Media Updates a grain published again after its silo went away: delivered (this process had not delivered it) or dropped as a duplicate");
    }

    public long Gaps => Interlocked.Read(ref _gaps);

    public long Repeats => Interlocked.Read(ref _repeats);

    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>
    /// Subscribes this process to <paramref name="userId"/>'s Updates (once for all its sessions) and returns when
    /// they flow; dispose the result when the session ends.
    /// </summary>
    public async Task<IDisposable> WatchAsync(string userId, CancellationToken cancellationToken = default)
    {
        Watch watch;
        while (true)
        {
            watch = _watches.GetOrAdd(userId, static (id, relay) => new Watch(relay.SubscribeAllAsync(id)), this);
            lock (watch)
            {
                if (!watch.Removed)
                {
                    watch.Sessions++;
                    break;
                }
            }
        }

        var handle = new WatchHandle(this, userId, watch);
        try
        {
            await watch.Subscribed.WaitAsync(cancellationToken);
            return handle;
        }
        catch
        {
            handle.Dispose();
            if (watch.Subscribed.IsFaulted)
            {
                Forget(userId, watch);
            }

            throw;
        }
    }

    public Task OnUpdatesAsync(ImmutableArray<Update> updates)
    {
        lock (_admitGate)
        {
            foreach (var update in updates)
            {
                if (Admit(update))
                {
                    _hub.Publish(update);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A silo went away (fewer gateways connected) or the connection came back: renew every watch now and twice more
    /// while membership settles, so the grains the silo held reactivate on the survivors and replay what it took.
    /// </summary>
    public void ClusterChanged(int connectedGateways, int previous)
    {
        if ((connectedGateways < previous || previous == 0) && !_watches.IsEmpty)
        {
            LogClusterChanged(previous, connectedGateways);
            if (Interlocked.Exchange(ref _renewBurst, 1) == 0)
            {
                _ = RenewBurstAsync(_stopping.Token);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _self = _grains.CreateObjectReference<IUpdateSubscriber>(this);
        _renewals = RenewLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_renewals is not null)
        {
            await _renewals.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>A test host may be disposed before it is stopped; stopping afterwards is then a no-op.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    private IUpdateSubscriber Self => _self ?? throw new InvalidOperationException("The notification relay has not started");

    private IEnumerable<IMediaGrain> MediaGrainsOf(string userId) =>
        _directory.FindUser(userId) is { } user
            ? user.MrdIds.Where(id => _directory.FindMrd(id) is { IsVoice: false }).Select(id => _grains.GetMediaGrain(userId, id))
            : [];

    private Task SubscribeAllAsync(string userId) =>
        Task.WhenAll(MediaGrainsOf(userId).Select(g => g.SubscribeAsync(Self, Lease).AsTask()));

    private void Release(string userId, Watch watch)
    {
        lock (watch)
        {
            watch.Sessions--;
        }
    }

    private void Forget(string userId, Watch watch)
    {
        lock (watch)
        {
            if (watch.Sessions > 0)
            {
                return;
            }

            watch.Removed = true;
        }

        _watches.TryRemove(new KeyValuePair<string, Watch>(userId, watch));
    }

    private async Task RenewBurstAsync(CancellationToken stopping)
    {
        try
        {
            foreach (var delay in RenewBurstDelays)
            {
                await Task.Delay(TimeSpan.FromSeconds(delay), stopping);
                await Parallel.ForEachAsync(_watches, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = stopping },
                    async (entry, _) => await RenewAsync(entry.Key));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _renewBurst, 0);
        }
    }

    private async Task RenewLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(RenewEvery);
        while (await NextTickAsync(timer, stopping))
        {
            foreach (var (userId, watch) in _watches)
            {
                bool idle;
                lock (watch)
                {
                    idle = watch.Sessions == 0;
                }

                if (idle)
                {
                    // Not renewed: the grains drop the subscription when its lease runs out.
                    Forget(userId, watch);
                }
                else
                {
                    await RenewAsync(userId);
                }
            }
        }
    }

    /// <summary>Subscribes again; a failure is logged and the next round retries.</summary>
    private async Task RenewAsync(string userId)
    {
        try
        {
            await SubscribeAllAsync(userId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogRenewalFailed(userId, ex.Message);
        }
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks the Update against what this process delivered for its source: false for an Update of an older state
    /// version (a superseded activation's, arriving late), a repeat within one activation, or a replay of a state
    /// already delivered.
    /// </summary>
    private bool Admit(Update update)
    {
        var key = (update.UserId, update.MrdId);
        var known = _sources.TryGetValue(key, out var last);
        var media = update.Node == NodeKind.Media;
        var next = media
            ? new SourcePosition(update.Epoch, update.Sequence, update.Version, update.Version, update.RequestId)
            : new SourcePosition(update.Epoch, update.Sequence, update.Version, known ? last.MediaVersion : 0, known ? last.MediaRequestId : null);
        if (!known)
        {
            _sources[key] = next;
            CountReplay(update, delivered: true);
            return true;
        }

        // The same Media change published by two activations (one's own Update and the other's replay of it).
        var sameChange = media && update.Epoch != last.Epoch && update.Version == last.MediaVersion && update.RequestId == last.MediaRequestId;
        if (sameChange && !update.Replay)
        {
            Interlocked.Increment(ref _repeats);
            LogRepeat(update.UserId, update.MrdId, update.Sequence, last.Sequence);
            return false;
        }

        if (update.Version < last.Version || (update.Replay && (update.Version == last.Version || sameChange)))
        {
            if (update.Replay)
            {
                CountReplay(update, delivered: false);
            }
            else
            {
                Interlocked.Increment(ref _stale);
                LogStale(update.UserId, update.MrdId, update.RequestId, update.Version, last.Version);
            }

            return false;
        }

        if (last.Epoch == update.Epoch)
        {
            if (update.Sequence <= last.Sequence)
            {
                // A delivery retried after a timeout whose first attempt arrived after all: delivered once already.
                Interlocked.Increment(ref _repeats);
                LogRepeat(update.UserId, update.MrdId, update.Sequence, last.Sequence);
                return false;
            }

            if (update.Sequence != last.Sequence + 1)
            {
                Interlocked.Add(ref _gaps, update.Sequence - last.Sequence - 1);
                LogGap(update.UserId, update.MrdId, last.Sequence + 1, update.Sequence - 1);
            }
        }

        _sources[key] = next;
        CountReplay(update, delivered: true);
        return true;
    }

    private void CountReplay(Update update, bool delivered)
    {
        if (!update.Replay)
        {
            return;
        }

        if (delivered)
        {
            Interlocked.Increment(ref _replaysDelivered);
            LogReplay(update.UserId, update.MrdId, update.RequestId);
        }
        else
        {
            Interlocked.Increment(ref _replaysDropped);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updates {First}..{Last} of {UserId}/{MrdId} never reached this process")]
    private partial void LogGap(string userId, int mrdId, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Update {Sequence} of {UserId}/{MrdId} arrived after {Last}; dropped as a repeat")]
    private partial void LogRepeat(string userId, int mrdId, long sequence, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An Update of {UserId}/{MrdId} (requestId {RequestId}) for state version {Version} arrived after version {Last}; dropped")]
    private partial void LogStale(string userId, int mrdId, string? requestId, long version, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A Media Update of {UserId}/{MrdId} (requestId {RequestId}) lost with a silo was published again and delivered")]
    private partial void LogReplay(string userId, int mrdId, string? requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connected silos went from {Previous} to {Current}: renewing every notification subscription")]
    private partial void LogClusterChanged(int previous, int current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the notification subscriptions of {UserId} failed: {Error}; retried in the next round")]
    private partial void LogRenewalFailed(string userId, string error);

    /// <summary>Where a source stands for this process; the last Media Update's version and request tell a replay of it.</summary>
    private readonly record struct SourcePosition(long Epoch, long Sequence, long Version, long MediaVersion, string? MediaRequestId);

    private sealed class Watch(Task subscribed)
    {
        public Task Subscribed { get; } = subscribed;

        public int Sessions { get; set; }

        public bool Removed { get; set; }
    }

    private sealed class WatchHandle(NotificationRelay relay, string userId, Watch watch) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                relay.Release(userId, watch);
            }
        }
    }
}
