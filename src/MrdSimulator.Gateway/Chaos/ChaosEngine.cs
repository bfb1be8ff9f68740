using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Globalization;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.GrainInterfaces.Chaos;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Chaos;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// Holds the faults, opens and closes their windows on the simulator's clock, and answers the hooks:
/// REST (<see cref="DecideRest"/>), back end (<see cref="IMediaFaults"/>), notifications (the hub's
/// interceptor), sessions (<see cref="SessionRegistry"/>). Every hit is counted per fault and per kind and
/// logged in order (<see cref="Injections"/>). Every Update a fault cost — dropped by a notification fault,
/// queued for or written to a session a fault cut, published while a fault kept the user's session away — is
/// listed with its requestId (<see cref="DropsSince"/>), so a client can tell a fault from a bug.
/// In a cluster every process runs an engine that follows the cluster's plan (<see cref="ReconcileAsync"/>): each
/// decides for the requests, Updates and sessions it holds, and the leader alone acts once on grains.
/// </summary>
public sealed class ChaosEngine : IMediaFaults, INotificationLossObserver, IDisposable
{
    private const int LogCapacity = 10_000;
    private const int HistoryCapacity = 10_000;

    private readonly object _gate = new();
    private readonly IGrainFactory _grains;
    private readonly SimulatorDirectory _directory;
    private readonly NotificationHub? _hub;
    private readonly MediaFaultHook? _hook;
    private readonly GrainOutbox? _localSilo;
    private readonly ServiceStatus? _status;
    private readonly SimulatorOptions _node;
    private readonly DateTimeOffset _startedAt;
    private readonly TimeProvider _time;
    private readonly ILogger<ChaosEngine> _log;
    private readonly ChaosMetrics _metrics;
    private readonly List<Fault> _faults = [];
    private readonly Queue<Fault> _history = new();
    private readonly HashSet<string> _outOfServiceBy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, PendingDelivery> _pending = new();
    private readonly ConcurrentDictionary<NodeKey, long> _held = new();
    private readonly ConcurrentDictionary<Task, byte> _transitions = new();
    private readonly BoundedLog<Injection> _injections = new(LogCapacity);
    private readonly DropLog _drops;

    // Nodes whose user's sessions a fault cut (or refused) and that have had no subscriber since.
    private readonly ConcurrentDictionary<NodeKey, Fault> _cutNodes = new();

    // Set once a node is marked: keeps the hub's hot path (publishes nobody hears) lock-free without chaos.
    private volatile bool _anyCut;
    private readonly long[] _injectedByKind = new long[Enum.GetValues<FaultKind>().Length];
    private Fault[] _active = [];
    private Fault[] _rest = [];
    private Fault[] _backend = [];
    private Fault[] _notification = [];
    private PlanView? _plan;
    private DateTimeOffset? _origin;
    private long _order;
    private long _adminIds;
    private long _pendingIds;
    private long _injectionSequence;
    private long _dropsTotal;
    private long _sessionsDropped;
    private long _clusterEpoch;
    private long _clusterVersion = -1;

    /// <param name="node">This process: its role and name (the target of process faults).</param>
    /// <param name="hub">The notification hub (none in a silo process, which holds no sessions).</param>
    /// <param name="status">The Finesse service status (none in a silo process).</param>
    /// <param name="hook">The co-hosted silo's chaos hook (none in a process without a silo).</param>
    /// <param name="localSilo">The co-hosted silo's outbox, flushed before the agent limit counts sign-ins.</param>
    public ChaosEngine(
        IGrainFactory grains,
        SimulatorDirectory directory,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time,
        SessionRegistry sessions,
        ChaosOptions options,
        SimulatorOptions node,
        IMeterFactory meters,
        ILogger<ChaosEngine> log,
        NotificationHub? hub = null,
        ServiceStatus? status = null,
        MediaFaultHook? hook = null,
        GrainOutbox? localSilo = null)
    {
        _grains = grains;
        _directory = directory;
        _hub = hub;
        _hook = hook;
        _localSilo = localSilo;
        _status = status;
        _node = node;
        _time = time;
        _startedAt = time.GetUtcNow();
        _log = log;
        Sessions = sessions;
        Options = options;
        AdminSeed = options.Seed ?? (ulong)Random.Shared.NextInt64();
        _drops = new DropLog(options.DropsCapacity, time);
        _metrics = new ChaosMetrics(meters, ActiveMeasurements);
        if (hub is not null)
        {
            hub.Interceptor = InterceptNotification;
            hub.LossObserver = this;
        }

        if (hook is not null)
        {
            hook.Current = this;
        }
    }

    public ChaosOptions Options { get; }

    public SessionRegistry Sessions { get; }

    /// <summary>The seed of faults added through the admin API without a plan or a seed of their own.</summary>
    public ulong AdminSeed { get; }

    public TimeProvider Time => _time;

    public bool HasRestFaults => Volatile.Read(ref _rest).Length > 0;

    /// <summary>Agents signed in to at least one MRD (what a peripheral's agent limit counts).</summary>
    public async Task<int> SignedInAgentsAsync() => (await SignedInUsersAsync()).Count;

    public long NotificationsDropped => Interlocked.Read(ref _dropsTotal);

    public long SessionsDropped => Interlocked.Read(ref _sessionsDropped);

    /// <summary>
    /// Whether this process performs the one-off actions on grains (failover's state changes, task expiry): always
    /// when embedded; in a cluster, the process the chaos grain chose, so they happen once.
    /// </summary>
    public bool IsLeader { get; private set; } = true;

    /// <summary>Where a cluster process sends what it records, so any gateway can show the cluster's record.</summary>
    public IChaosRecordSink? Sink { get; set; }

    /// <summary>Ends this process, for silo.kill and gateway.kill (tests replace it).</summary>
    public Action KillProcess { get; set; } = static () => System.Diagnostics.Process.GetCurrentProcess().Kill();

    public long InjectedOf(FaultKind kind) => Interlocked.Read(ref _injectedByKind[(int)kind]);

    public string NextAdminId() => "a" + Interlocked.Increment(ref _adminIds).ToString(CultureInfo.InvariantCulture);

    /// <summary>The faults scheduled or active; with <paramref name="orders"/>, only those.</summary>
    public IReadOnlyList<FaultView> Faults(IReadOnlySet<long>? orders = null)
    {
        lock (_gate)
        {
            return [.. _faults.Where(f => orders is null || orders.Contains(f.Order)).Select(FaultView.Of)];
        }
    }

    public IReadOnlyList<Injection> Injections(int limit = LogCapacity) => _injections.Last(limit);

    /// <summary>The newest records of Updates faults cost (all reasons), oldest first.</summary>
    public IReadOnlyList<DroppedNotification> Drops(int limit = LogCapacity) => _drops.Last(limit).Drops;

    public DropPage DropsLast(int limit) => _drops.Last(limit);

    public DropPage DropsSince(long since, int limit, string? requestIdPrefix) => _drops.Since(since, limit, requestIdPrefix);

    /// <summary>Adds faults; those whose window starts now are active when this returns.</summary>
    /// <exception cref="ChaosConflictException">An id is in use, a failover window would overlap another, or a process
    /// fault was given to the embedded simulator.</exception>
    public async Task<IReadOnlyList<FaultView>> AddAsync(IReadOnlyList<FaultSpec> specs, string source = "admin", ulong? planSeed = null)
    {
        var now = _time.GetUtcNow();
        List<Fault> added;
        List<Fault> startNow;
        lock (_gate)
        {
            if (specs.FirstOrDefault(s => s.Kind.IsProcess()) is { } process)
            {
                throw new ChaosConflictException($"{process.Kind.ToWire()} '{process.Id}' kills a process of a cluster; this simulator is one process (run a cluster: docs/cluster.md)");
            }

            var existing = _faults.Select(f => new ScheduledFault(f.Id, f.Kind, f.ScheduledStart, f.ScheduledEnd)).ToList();
            if (ChaosConflicts.Find(existing, specs, now) is { } conflict)
            {
                throw new ChaosConflictException(conflict);
            }

            _origin ??= now;
            var entries = specs.Select(spec => new ChaosFaultEntry(spec, source, spec.Seed ?? ChaosRandom.FaultSeed(planSeed ?? AdminSeed, spec.Id), ++_order, now + spec.At));
            (added, startNow) = ScheduleLocked(entries, now);
        }

        foreach (var fault in startNow)
        {
            await Track(ActivateAsync(fault)).ConfigureAwait(false);
        }

        return [.. added.Select(FaultView.Of)];
    }

    /// <summary>
    /// Brings this process in line with the cluster's faults: new ones are scheduled at their instants, those gone
    /// are cleared. A window that had already opened when this process learnt of it applies from now on, but its
    /// one-off action (a kill, a failover, a session cut) is not repeated: it happened when the window opened.
    /// </summary>
    public async Task ReconcileAsync(ChaosClusterState state)
    {
        var now = _time.GetUtcNow();
        List<Fault> startNow;
        List<Fault> cleared;
        lock (_gate)
        {
            if (!state.IsNewerThan(_clusterEpoch, _clusterVersion))
            {
                return;
            }

            _clusterEpoch = state.Epoch;
            _clusterVersion = state.Version;
            IsLeader = state.Leader == _node.NodeName;
            var known = _faults.Select(f => f.Order).Concat(_history.Select(f => f.Order)).ToHashSet();
            var wanted = state.Faults.Select(f => f.Order).ToHashSet();
            cleared = [.. _faults.Where(f => !wanted.Contains(f.Order))];
            (_, startNow) = ScheduleLocked(state.Faults.Where(f => !known.Contains(f.Order)), now);
            _plan = state.Plan is { } p ? new PlanView(p.Name, p.Seed, p.StartedAt, p.LengthSeconds, p.Faults) : null;
            _origin = state.Origin;
            if (cleared.Count > 0 && _faults.Count == cleared.Count)
            {
                _cutNodes.Clear();
                _anyCut = false;
            }
        }

        foreach (var fault in cleared)
        {
            await Track(EndAsync(fault, FaultStatus.Cleared)).ConfigureAwait(false);
        }

        foreach (var fault in startNow)
        {
            await Track(ActivateAsync(fault)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds faults at their instants (under the gate): later ones get a timer, those due now are returned to be
    /// activated, and those already over (a process that joined late) go straight to the history.
    /// </summary>
    private (List<Fault> Added, List<Fault> StartNow) ScheduleLocked(IEnumerable<ChaosFaultEntry> entries, DateTimeOffset now)
    {
        var added = new List<Fault>();
        var startNow = new List<Fault>();
        foreach (var entry in entries)
        {
            var fault = new Fault(entry.Spec, entry.Source, entry.Seed, entry.Order, entry.ScheduledStart) { Status = FaultStatus.Scheduled };
            if (fault.ScheduledEnd is { } end && end <= now)
            {
                fault.Status = FaultStatus.Ended;
                fault.Start = fault.ScheduledStart;
                fault.End = end;
                Remember(fault);
                continue;
            }

            _faults.Add(fault);
            added.Add(fault);
            var due = fault.ScheduledStart - now;
            if (due <= TimeSpan.Zero)
            {
                fault.JoinedLate = -due > LateAfter;
                startNow.Add(fault);
            }
            else
            {
                fault.StartTimer = _time.CreateTimer(_ => Track(ActivateAsync(fault)), null, due, Timeout.InfiniteTimeSpan);
            }
        }

        return (added, startNow);
    }

    /// <summary>A window learnt of later than this after it opened is joined without its one-off action.</summary>
    private static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(5);

    private void Remember(Fault fault)
    {
        _history.Enqueue(fault);
        while (_history.Count > HistoryCapacity)
        {
            _history.Dequeue();
        }
    }

    /// <summary>Clears one fault, or every fault (and the plan) when <paramref name="id"/> is null. Returns how many.</summary>
    public async Task<int> ClearAsync(string? id = null)
    {
        List<Fault> targets;
        lock (_gate)
        {
            targets = [.. _faults.Where(f => id is null || f.Id == id)];
            if (id is null)
            {
                _plan = null;
                _cutNodes.Clear();
                _anyCut = false;
            }
        }

        foreach (var fault in targets)
        {
            await Track(EndAsync(fault, FaultStatus.Cleared)).ConfigureAwait(false);
        }

        return targets.Count;
    }

    /// <summary>Stops the running plan (its faults are cleared) and starts <paramref name="plan"/> now.</summary>
    public async Task<(PlanView Plan, IReadOnlyList<FaultView> Faults)> StartPlanAsync(ChaosPlan plan)
    {
        await StopPlanAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var view = new PlanView(plan.Name, plan.Seed, now, plan.Length?.TotalSeconds, plan.Faults.Count);
        lock (_gate)
        {
            _plan = view;
            _origin = now;
        }

        _log.LogWarning("Chaos plan '{Plan}' started: seed {Seed}, {Count} faults, length {Length}", plan.Name, plan.Seed, plan.Faults.Count,
            plan.Length is { } l ? Durations.Format(l) : "until cleared");
        var faults = await AddAsync(plan.Faults, "plan", plan.Seed).ConfigureAwait(false);
        return (view, faults);
    }

    public async Task<bool> StopPlanAsync()
    {
        List<Fault> targets;
        bool had;
        lock (_gate)
        {
            had = _plan is not null;
            _plan = null;
            targets = [.. _faults.Where(f => f.Source == "plan")];
            _cutNodes.Clear();
            _anyCut = false;
        }

        foreach (var fault in targets)
        {
            await Track(EndAsync(fault, FaultStatus.Cleared)).ConfigureAwait(false);
        }

        return had || targets.Count > 0;
    }

    public ChaosTimeline Timeline()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var origin = _plan?.StartedAt ?? _origin ?? now;
            var windows = _history.Concat(_faults).OrderBy(f => f.Order).Select(f => new TimelineEntry(
                f.Id, f.Kind.ToWire(), f.Source, f.Spec.Scope.ToString(), f.Status.ToString().ToLowerInvariant(),
                f.Start ?? (f.Status == FaultStatus.Scheduled ? f.ScheduledStart : null),
                f.End ?? (f.Status is FaultStatus.Scheduled or FaultStatus.Active ? f.ScheduledEnd : null),
                Offset(f.Start ?? (f.Status == FaultStatus.Scheduled ? f.ScheduledStart : null), origin),
                Offset(f.End ?? (f.Status is FaultStatus.Scheduled or FaultStatus.Active ? f.ScheduledEnd : null), origin),
                f.Injected,
                f.Undelivered)).ToList();
            var byKind = Enum.GetValues<FaultKind>().Where(k => InjectedOf(k) > 0).ToDictionary(k => k.ToWire(), InjectedOf, StringComparer.Ordinal);
            return new ChaosTimeline(now, _plan, origin, windows, byKind, NotificationsDropped, Interlocked.Read(ref _sessionsDropped));
        }
    }

    /// <summary>Waits until window openings and closings already triggered (by timers) have finished.</summary>
    public async Task SettleAsync()
    {
        while (!_transitions.IsEmpty)
        {
            await Task.WhenAll(_transitions.Keys).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var fault in _faults)
            {
                fault.StartTimer?.Dispose();
                fault.EndTimer?.Dispose();
            }
        }

        foreach (var pending in _pending.Values)
        {
            pending.Timer?.Dispose();
        }

        if (_hub is not null)
        {
            _hub.Interceptor = null;
            _hub.LossObserver = null;
        }

        if (_hook is not null)
        {
            _hook.Current = null;
        }

        _metrics.Dispose();
    }

    // ---- REST -------------------------------------------------------------------------------------

    /// <summary>
    /// The REST faults that hit one Finesse (or, with <paramref name="taskApi"/>, CCP task API) request, in
    /// fault order: latencies add up; the first 503/5xx/reset decides the answer.
    /// </summary>
    public RestDecision DecideRest(string? userId, int? mrdId, bool allowedWhenOutOfService, bool taskApi = false)
    {
        var faults = Volatile.Read(ref _rest);
        var delay = TimeSpan.Zero;
        var key = userId ?? "-";
        foreach (var f in faults)
        {
            var kind = f.Kind;
            if ((kind == FaultKind.TaskUnavailable) != taskApi
                || (allowedWhenOutOfService && kind is FaultKind.RestUnavailable or FaultKind.Failover)
                || !f.Spec.Scope.Matches(userId, mrdId)
                || !f.Decide(key, out var n))
            {
                continue;
            }

            switch (kind)
            {
                case FaultKind.RestLatency:
                    var d = f.Spec.Latency!.Sample(f.Draw(key, n, 1), f.Draw(key, n, 2));
                    delay += d;
                    Record(f, key, n, $"+{d.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms");
                    break;
                case FaultKind.RestUnavailable or FaultKind.TaskUnavailable or FaultKind.Failover:
                    Record(f, key, n, "503");
                    return new RestDecision(delay, RestAction.Unavailable, 503, f.Spec.Reason ?? DefaultReason(f.Spec), f);
                case FaultKind.RestError:
                    Record(f, key, n, f.Spec.Status.ToString(CultureInfo.InvariantCulture));
                    return new RestDecision(delay, RestAction.Error, f.Spec.Status, "The simulator injected a server error (chaos fault " + f.Id + ")", f);
                case FaultKind.RestReset:
                    Record(f, key, n, "reset");
                    return new RestDecision(delay, RestAction.Reset, 0, null, f);
            }
        }

        return new RestDecision(delay, RestAction.None, 0, null);
    }

    private static string DefaultReason(FaultSpec spec) => spec.Kind switch
    {
        FaultKind.Failover => "Finesse is OUT_OF_SERVICE (failover in progress)",
        FaultKind.TaskUnavailable => "The task service is unavailable",
        _ when spec.IsOutOfService => "Finesse is OUT_OF_SERVICE (Notification Service is down)",
        _ => "Service Unavailable",
    };

    /// <summary>Whether a new XMPP connection is refused: always while the side is out of service, else per xmpp.refuse fault.</summary>
    public bool DecideXmppRefusal()
    {
        foreach (var f in Volatile.Read(ref _active))
        {
            if (f.Spec.IsOutOfService || f.Kind == FaultKind.XmppRefuse)
            {
                if (f.Decide("xmpp", out var n))
                {
                    Record(f, "xmpp", n, "xmpp connection refused");
                    return true;
                }
            }
        }

        return false;
    }

    // ---- Back end ---------------------------------------------------------------------------------

    public async ValueTask<ArmError?> BeforeApplyAsync(MediaGrainKey key, MediaRequest request, MediaState current)
    {
        var faults = Volatile.Read(ref _backend);
        if (faults.Length == 0)
        {
            return null;
        }

        var op = MediaOperationNames.Of(request);
        foreach (var f in faults)
        {
            if ((f.Spec.Operations & op) == 0 || !f.Spec.Scope.Matches(key.UserId, key.MrdId))
            {
                continue;
            }

            // A peripheral's agent limit refuses agents not yet signed in anywhere once the limit is reached.
            if (f.Spec.MaxSignedIn is { } max && (op != MediaOperations.Login || current.IsSignedIn || !await AtAgentLimitAsync(key.UserId, max)))
            {
                continue;
            }

            if (f.Decide(key.UserId, out var n))
            {
                Record(f, key.UserId, n, $"{MediaOperationNames.Format(op)} {key} {f.Spec.Error!.Constant}");
                return f.Spec.Error;
            }
        }

        return null;
    }

    public bool RingsOut(MediaGrainKey key, string dialogId)
    {
        foreach (var f in Volatile.Read(ref _active))
        {
            if (f.Kind == FaultKind.TaskRona && f.Spec.Scope.Matches(key.UserId, key.MrdId) && f.Decide(key.UserId, out var n))
            {
                Record(f, key.UserId, n, $"rona {key} {dialogId}");
                return true;
            }
        }

        return false;
    }

    private async Task<bool> AtAgentLimitAsync(string userId, int max)
    {
        var signedIn = await SignedInUsersAsync();
        return signedIn.Count >= max && !signedIn.Contains(userId);
    }

    /// <summary>Users signed in to any MRD, from the MRDs' statistics grains (after this silo's latest changes reach them).</summary>
    private async Task<HashSet<string>> SignedInUsersAsync()
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, mrdUsers) in await SignedInByMrdAsync())
        {
            users.UnionWith(mrdUsers);
        }

        return users;
    }

    private async Task<(int MrdId, System.Collections.Immutable.ImmutableArray<string> Users)[]> SignedInByMrdAsync()
    {
        if (_localSilo is not null)
        {
            await _localSilo.FlushStatsAsync();
        }

        return await Task.WhenAll(_directory.NonVoiceMrds.Select(async m => (m.Id, await _grains.Get<IMrdStatsGrain>(m.Id).GetSignedInAsync())));
    }

    // ---- Notifications ----------------------------------------------------------------------------

    /// <summary>The hub's interceptor; runs under the node's publish lock, so it never blocks.</summary>
    private bool InterceptNotification(Notification notification, Action<Notification> deliver)
    {
        var faults = Volatile.Read(ref _notification);
        PendingDelivery? held = null;
        if (!_held.IsEmpty && _held.TryRemove(notification.Node, out var heldId) && _pending.TryRemove(heldId, out var h))
        {
            held = h;
            h.Timer?.Dispose();
        }

        if (faults.Length == 0 && held is null)
        {
            return false;
        }

        var handled = false;
        var user = notification.Node.UserId;
        int? mrd = null;
        var mrdKnown = false;
        foreach (var f in faults)
        {
            if (f.Spec.Scope.HasMrds && !mrdKnown)
            {
                mrd = MrdOf(notification);
                mrdKnown = true;
            }

            if (!f.Spec.Scope.Matches(user, mrd))
            {
                continue;
            }

            if (f.Kind == FaultKind.NotificationReorder && (held is not null || _held.ContainsKey(notification.Node)))
            {
                // One Update is held per node at a time; this one releases the held one instead.
                continue;
            }

            if (!f.Decide(user, out var n))
            {
                continue;
            }

            var node = notification.Node.Path;
            switch (f.Kind)
            {
                case FaultKind.NotificationDrop:
                    Record(f, user, n, $"drop {node}#{notification.Sequence}");
                    Interlocked.Increment(ref _dropsTotal);
                    RecordLoss(f, notification, DropReasons.Fault, null);
                    break;
                case FaultKind.NotificationDelay:
                    var delay = f.Spec.Latency!.Sample(f.Draw(user, n, 1), f.Draw(user, n, 2));
                    Record(f, user, n, $"delay {node}#{notification.Sequence} {delay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms");
                    Defer(f, notification, deliver, delay, null);
                    break;
                case FaultKind.NotificationDuplicate:
                    Record(f, user, n, $"duplicate {node}#{notification.Sequence} x{f.Spec.Copies}");
                    for (var i = 0; i < f.Spec.Copies; i++)
                    {
                        deliver(notification);
                    }

                    break;
                case FaultKind.NotificationReorder:
                    Record(f, user, n, $"hold {node}#{notification.Sequence}");
                    Defer(f, notification, deliver, f.Spec.MaxHold, notification.Node);
                    break;
            }

            handled = true;
            break;
        }

        if (held is not null)
        {
            if (!handled)
            {
                deliver(notification);
            }

            held.Deliver(held.Notification);
            return true;
        }

        return handled;
    }

    private void Defer(Fault fault, Notification notification, Action<Notification> deliver, TimeSpan after, NodeKey? holdNode)
    {
        var id = Interlocked.Increment(ref _pendingIds);
        var pending = new PendingDelivery(fault, notification, deliver);
        _pending[id] = pending;
        if (holdNode is { } node)
        {
            _held[node] = id;
        }

        pending.Timer = _time.CreateTimer(_ => Release(id), null, after, Timeout.InfiniteTimeSpan);

        // The interceptor read the fault set before the fault ended, and EndAsync may have released what it held
        // before this was added: deliver it now rather than after the fault's delay.
        Interlocked.MemoryBarrier();
        if (fault.Status is FaultStatus.Ended or FaultStatus.Cleared)
        {
            Release(id);
        }
    }

    private void Release(long id)
    {
        if (_pending.TryRemove(id, out var pending))
        {
            pending.Timer?.Dispose();
            _held.TryRemove(new KeyValuePair<NodeKey, long>(pending.Notification.Node, id));
            pending.Deliver(pending.Notification);
        }
    }

    /// <summary>The MRD named by the Update's source (<c>…/Media/5001</c>), if any.</summary>
    private static int? MrdOf(Notification notification)
    {
        var xml = notification.UpdateXml.AsSpan();
        var start = xml.IndexOf("<source>");
        if (start < 0)
        {
            return null;
        }

        var source = xml[(start + 8)..];
        var end = source.IndexOf('<');
        source = end < 0 ? source : source[..end];
        var media = source.LastIndexOf("/Media/");
        return media >= 0 && int.TryParse(source[(media + 7)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    // ---- Windows ----------------------------------------------------------------------------------

    private async Task ActivateAsync(Fault fault)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (fault.Status != FaultStatus.Scheduled)
            {
                return;
            }

            fault.Status = FaultStatus.Active;
            fault.Start = now;
            fault.StartTimer?.Dispose();
            if (fault.Spec.Duration is { } duration)
            {
                fault.EndTimer = _time.CreateTimer(_ => Track(EndAsync(fault, FaultStatus.Ended)), null, duration, Timeout.InfiniteTimeSpan);
            }

            if (fault.Spec.IsOutOfService)
            {
                _outOfServiceBy.Add(fault.Id);
                _status?.TakeOutOfService(fault.Spec.Reason ?? DefaultReason(fault.Spec));
            }

            Rebuild();
        }

        _log.LogWarning("Chaos fault {Id} ({Kind}, {Scope}, p={Probability}) active{Until}", fault.Id, fault.Kind.ToWire(), fault.Spec.Scope,
            fault.Spec.Probability, fault.Spec.Duration is { } d ? " for " + Durations.Format(d) : " until cleared");
        if (fault.JoinedLate)
        {
            // Its one-off action happened when the window opened, before this process knew of it.
            return;
        }

        switch (fault.Kind)
        {
            case FaultKind.Failover:
                await FailOverAsync(fault).ConfigureAwait(false);
                break;
            case FaultKind.TaskExpire when IsLeader:
                await ExpireTasksAsync(fault).ConfigureAwait(false);
                break;
            case FaultKind.SiloKill or FaultKind.GatewayKill when fault.Spec.Target == _node.NodeName && _startedAt < fault.ScheduledStart:
                // The process restarted after the kill (started later than the window) is not killed again.
                await KillThisProcessAsync(fault).ConfigureAwait(false);
                break;
            case FaultKind.RestUnavailable when fault.Spec.IsOutOfService:
                // The Notification Service is down: the event connections go with it.
                CloseSessions(fault, (_, _) => true, CloseHow.Reset);
                break;
        }

        await (FaultActivated?.Invoke(fault) ?? Task.CompletedTask).ConfigureAwait(false);
    }

    /// <summary>
    /// silo.kill / gateway.kill aimed at this process: the kill is recorded and sent to the cluster's log first, then
    /// the process ends as a SIGKILL ends it — no shutdown, no goodbye to the cluster.
    /// </summary>
    private async Task KillThisProcessAsync(Fault fault)
    {
        var (id, kind, name) = (fault.Id, fault.Kind.ToWire(), _node.NodeName!);
        fault.Decide(name, out var n);
        Record(fault, name, n, $"{kind} {name}: SIGKILL");
        _log.LogWarning("Chaos fault {Id} ({Kind}) kills this process ({Node}) now", id, kind, name);
        if (Sink is { } sink)
        {
            await sink.FlushAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        KillProcess();
    }

    /// <summary>Features (XMPP, tasks) act on faults of their kinds when a window opens.</summary>
    public event Func<Fault, Task>? FaultActivated;

    private Task EndAsync(Fault fault, FaultStatus final)
    {
        var now = _time.GetUtcNow();
        bool wasActive;
        lock (_gate)
        {
            if (fault.Status is FaultStatus.Ended or FaultStatus.Cleared)
            {
                return Task.CompletedTask;
            }

            wasActive = fault.Status == FaultStatus.Active;
            fault.Status = final;
            fault.End = wasActive ? now : null;
            fault.StartTimer?.Dispose();
            fault.EndTimer?.Dispose();
            _faults.Remove(fault);
            Remember(fault);

            if (_outOfServiceBy.Remove(fault.Id) && _outOfServiceBy.Count == 0)
            {
                _status?.Restore();
            }

            Rebuild();
        }

        // Updates a fault was holding back are delivered now: clearing returns to normal service. The fence pairs with
        // Defer's: an Update deferred while the fault ends is either seen here or sees the fault ended there.
        Interlocked.MemoryBarrier();
        foreach (var (id, pending) in _pending)
        {
            if (pending.Fault == fault)
            {
                Release(id);
            }
        }

        if (wasActive)
        {
            _log.LogWarning("Chaos fault {Id} ({Kind}) {How} after injecting {Injected}", fault.Id, fault.Kind.ToWire(),
                final == FaultStatus.Cleared ? "cleared" : "ended", fault.Injected);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The side goes away: every signed-in agent×MRD pair falls to the failover state (its Media Update is
    /// published), then, after the session grace, every notification session is cut.
    /// </summary>
    private async Task FailOverAsync(Fault fault)
    {
        if (fault.Spec.SessionGrace > TimeSpan.Zero)
        {
            // Started before the agents fail over, so the grace runs from the moment the side went away.
            fault.EventTimer = _time.CreateTimer(_ => CloseSessions(fault, (_, _) => true, CloseHow.Reset), null, fault.Spec.SessionGrace, Timeout.InfiniteTimeSpan);
        }

        var state = fault.Spec.FailoverState;
        var failed = new ConcurrentBag<MediaGrainKey>();
        if (!IsLeader)
        {
            // The leader moves the agents (once for the cluster); this process only cuts its own sessions.
            if (fault.Spec.SessionGrace <= TimeSpan.Zero)
            {
                CloseSessions(fault, (_, _) => true, CloseHow.Reset);
            }

            return;
        }

        // A sign-in already past the gateway may land during the first pass; a second pass catches it.
        for (var pass = 0; pass < 3; pass++)
        {
            var keys = await SignedInKeysAsync().ConfigureAwait(false);
            if (keys.Count == 0)
            {
                break;
            }

            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (key, _) =>
            {
                try
                {
                    if (await _grains.GetMediaGrain(key).FailOverAsync(state).ConfigureAwait(false))
                    {
                        failed.Add(key);
                    }
                }
                catch (Exception ex) when (GrainFailureMiddleware.IsGrainFailure(ex))
                {
                    // Retried by the next pass.
                }
            }).ConfigureAwait(false);
        }

        foreach (var key in failed.OrderBy(k => k.UserId, StringComparer.Ordinal).ThenBy(k => k.MrdId))
        {
            fault.Decide(key.UserId, out var n);
            Record(fault, key.UserId, n, $"{key} -> {state.ToWire()}");
        }

        if (fault.Spec.SessionGrace <= TimeSpan.Zero)
        {
            CloseSessions(fault, (_, _) => true, CloseHow.Reset);
        }

        _log.LogWarning("Chaos failover {Id}: {Pairs} agent×MRD pairs to {State}; sessions cut after {Grace}", fault.Id, failed.Count,
            state.ToWire(), Durations.Format(fault.Spec.SessionGrace));
    }

    /// <summary>task.expire: each live dialog of the agents in scope ends as if its lifetime was exceeded, and each task waiting in a queue in scope as if its taskLife ran out (per-task probability).</summary>
    private async Task ExpireTasksAsync(Fault fault)
    {
        var keys = (await SignedInKeysAsync().ConfigureAwait(false)).Where(k => fault.Spec.Scope.Matches(k.UserId, k.MrdId)).ToList();
        var ended = 0;
        foreach (var key in keys)
        {
            try
            {
                var grain = _grains.GetMediaGrain(key);
                var chosen = (await grain.GetDialogsAsync().ConfigureAwait(false)).Dialogs.Select(d => d.Id).Where(id =>
                {
                    if (!fault.Decide(key.UserId, out var n))
                    {
                        return false;
                    }

                    Record(fault, key.UserId, n, $"expire {key} {id}");
                    return true;
                }).ToImmutableArray();
                if (!chosen.IsEmpty)
                {
                    ended += (await grain.ExpireDialogsAsync(chosen).ConfigureAwait(false)).Length;
                }
            }
            catch (Exception ex) when (GrainFailureMiddleware.IsGrainFailure(ex))
            {
                _log.LogWarning("Chaos fault {Id}: {Key} was too busy to expire its tasks", fault.Id, key);
            }
        }

        // Tasks still waiting in a queue end as when their taskLife runs out. They have no agent yet, so a
        // scope naming users never matches them; decisions are per queue ("queue-5000").
        var queued = 0;
        if (!fault.Spec.Scope.HasUsers)
        {
            foreach (var mrd in _directory.NonVoiceMrds.Where(m => fault.Spec.Scope.MatchesMrd(m.Id)))
            {
                var scopeKey = "queue-" + mrd.Id.ToString(CultureInfo.InvariantCulture);
                try
                {
                    var queue = _grains.Get<IMrdQueueGrain>(mrd.Id);
                    var chosen = (await queue.GetSnapshotAsync().ConfigureAwait(false)).QueuedContacts.Where(contactId =>
                    {
                        if (!fault.Decide(scopeKey, out var n))
                        {
                            return false;
                        }

                        Record(fault, scopeKey, n, $"expire queued {mrd.Id} {contactId}");
                        return true;
                    }).ToImmutableArray();
                    if (!chosen.IsEmpty)
                    {
                        queued += (await queue.ExpireQueuedAsync(chosen).ConfigureAwait(false)).Length;
                    }
                }
                catch (Exception ex) when (GrainFailureMiddleware.IsGrainFailure(ex))
                {
                    _log.LogWarning("Chaos fault {Id}: the queue of MRD {Mrd} was too busy to expire its tasks", fault.Id, mrd.Id);
                }
            }
        }

        _log.LogWarning("Chaos fault {Id} expired {Count} live dialogs and {Queued} queued tasks", fault.Id, ended, queued);
    }

    /// <summary>Every signed-in agent×MRD pair, ordered, from the MRDs' statistics grains.</summary>
    private async Task<List<MediaGrainKey>> SignedInKeysAsync() =>
        [.. (await SignedInByMrdAsync().ConfigureAwait(false))
            .SelectMany(m => m.Users.Select(u => new MediaGrainKey(u, m.MrdId)))
            .OrderBy(k => k.UserId, StringComparer.Ordinal).ThenBy(k => k.MrdId)];

    /// <summary>
    /// Cuts the matching sessions and counts them; used by failover, service down and XMPP faults. The users'
    /// nodes are marked first, so every Update the cut costs them is recorded against <paramref name="fault"/>:
    /// queued or just written (reported by the session) and published before they subscribe again.
    /// </summary>
    public int CloseSessions(Fault fault, Func<string, string, bool> match, CloseHow how)
    {
        var byTransport = new Dictionary<string, int>(StringComparer.Ordinal);
        var cut = new SessionCut(how, (transport, _, notification, written) =>
            RecordLoss(fault, notification, written is null ? DropReasons.SessionCut : DropReasons.InFlight, transport, written));
        var closed = Sessions.Close((transport, user) =>
        {
            if (!match(transport, user))
            {
                return false;
            }

            byTransport[transport] = byTransport.GetValueOrDefault(transport) + 1;
            MarkCut(user, fault, onlyUnsubscribed: false);
            return true;
        }, cut);
        foreach (var (transport, count) in byTransport)
        {
            _metrics.SessionsDropped(count, transport);
        }

        Interlocked.Add(ref _sessionsDropped, closed);
        if (closed > 0)
        {
            Sink?.SessionsDropped(closed);
        }

        if (closed > 0)
        {
            _log.LogWarning("Chaos fault {Id} cut {Count} notification sessions", fault.Id, closed);
        }

        return closed;
    }

    /// <summary>A fault turned a new notification stream of <paramref name="userId"/> away: what the user misses until a stream is back is that fault's.</summary>
    public void SessionRefused(string userId, Fault fault) => MarkCut(userId, fault, onlyUnsubscribed: true);

    private void MarkCut(string userId, Fault fault, bool onlyUnsubscribed)
    {
        if (userId.Length == 0)
        {
            return; // an XMPP session cut before it authenticated
        }

        foreach (var node in NodeKey.AllFor(userId))
        {
            if (!onlyUnsubscribed || _hub?.SubscriberCount(node) is null or 0)
            {
                _cutNodes[node] = fault;
                _anyCut = true;
            }
        }
    }

    bool INotificationLossObserver.Watches(NodeKey node) => _anyCut && _cutNodes.ContainsKey(node);

    void INotificationLossObserver.PublishedToNobody(Notification notification)
    {
        if (_cutNodes.TryGetValue(notification.Node, out var fault))
        {
            RecordLoss(fault, notification, DropReasons.NoSession, null);
        }
    }

    void INotificationLossObserver.Subscribed(NodeKey node)
    {
        if (_anyCut)
        {
            _cutNodes.TryRemove(node, out _);
        }
    }

    /// <summary>
    /// Records an Update <paramref name="fault"/> cost (ring, per-fault count, metric). An Update written just
    /// before a reset is dated when it was written, so a client can tell it from what it read afterwards.
    /// </summary>
    private void RecordLoss(Fault fault, Notification notification, string reason, string? transport, long? writtenTicks = null)
    {
        var (source, state) = FactsOf(notification);
        var at = _time.GetUtcNow() - (writtenTicks is { } w ? System.Diagnostics.Stopwatch.GetElapsedTime(w) : TimeSpan.Zero);
        fault.AddUndelivered();
        _metrics.NotificationDropped(reason, fault.Kind);
        var record = _drops.Add(sequence => new DroppedNotification(
            sequence, at, reason, fault.Id, fault.Kind.ToWire(), notification.Node.UserId, notification.Node.Path,
            notification.Sequence, notification.RequestId, source, state, transport));
        Sink?.Undelivered(record);
    }

    /// <summary>The Update's <c>&lt;source&gt;</c>, and for Media Updates the agent state it carries.</summary>
    private static (string? Source, string? State) FactsOf(Notification notification)
    {
        var xml = notification.UpdateXml;
        var source = ElementText(xml, "<source>");
        var state = notification.Node.Kind == NodeKind.Media ? ElementText(xml, "<state>") : null;
        return (source, state);
    }

    private static string? ElementText(string xml, string open)
    {
        var start = xml.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += open.Length;
        var end = xml.IndexOf('<', start);
        return end < 0 ? null : xml[start..end];
    }

    /// <summary>Counts one injection of <paramref name="fault"/> (per fault, per kind, metric, ordered log).</summary>
    public void Record(Fault fault, string scopeKey, long n, string detail)
    {
        fault.AddInjected();
        Interlocked.Increment(ref _injectedByKind[(int)fault.Kind]);
        _metrics.Injected(fault.Kind);
        var sequence = Interlocked.Increment(ref _injectionSequence);
        var injection = new Injection(sequence, _time.GetUtcNow(), fault.Id, fault.Kind.ToWire(), scopeKey, n, detail);
        _injections.Add(injection);
        Sink?.Injected(injection);
        if (_log.IsEnabled(LogLevel.Debug))
        {
            _log.LogDebug("Chaos {Kind} {Id} hit {Scope}#{Index}: {Detail}", fault.Kind.ToWire(), fault.Id, scopeKey, n, detail);
        }
    }

    /// <summary>Active faults of the given kinds, in fault order (for features that consult them).</summary>
    public IReadOnlyList<Fault> ActiveOf(params FaultKind[] kinds) => [.. Volatile.Read(ref _active).Where(f => kinds.Contains(f.Kind))];

    private void Rebuild()
    {
        var active = _faults.Where(f => f.Status == FaultStatus.Active).OrderBy(f => f.Order).ToArray();
        Volatile.Write(ref _active, active);
        Volatile.Write(ref _rest, [.. active.Where(f => f.Kind.IsRest() || f.Kind is FaultKind.Failover or FaultKind.TaskUnavailable)]);
        Volatile.Write(ref _backend, [.. active.Where(f => f.Kind == FaultKind.BackendError)]);
        Volatile.Write(ref _notification, [.. active.Where(f => f.Kind.IsNotification())]);
    }

    private IEnumerable<Measurement<int>> ActiveMeasurements() =>
        Volatile.Read(ref _active).GroupBy(f => f.Kind).Select(g => new Measurement<int>(g.Count(), ChaosMetrics.KindTag(g.Key)));

    private Task Track(Task task)
    {
        if (task.IsCompleted)
        {
            return task;
        }

        _transitions[task] = 0;
        _ = task.ContinueWith(t =>
        {
            _transitions.TryRemove(t, out _);
            if (t.Exception is { } ex)
            {
                _log.LogError(ex, "Chaos transition failed");
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private static double? Offset(DateTimeOffset? at, DateTimeOffset origin) => at is { } t ? Math.Round((t - origin).TotalSeconds, 3) : null;

    private sealed class PendingDelivery(Fault fault, Notification notification, Action<Notification> deliver)
    {
        public Fault Fault { get; } = fault;

        public Notification Notification { get; } = notification;

        public Action<Notification> Deliver { get; } = deliver;

        public ITimer? Timer { get; set; }
    }

    private sealed class BoundedLog<T>(int capacity)
    {
        private readonly Queue<T> _items = new();

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Enqueue(item);
                if (_items.Count > capacity)
                {
                    _items.Dequeue();
                }
            }
        }

        public IReadOnlyList<T> Last(int limit)
        {
            lock (_items)
            {
                return [.. _items.Skip(Math.Max(0, _items.Count - limit))];
            }
        }
    }
}

public enum RestAction
{
    None,
    Unavailable,
    Error,
    Reset,
}

/// <param name="Fault">The fault that decided the answer (none for latency only).</param>
public readonly record struct RestDecision(TimeSpan Delay, RestAction Action, int Status, string? Message, Fault? Fault = null);

/// <summary>A fault that cannot be added as asked (id in use, overlapping failover).</summary>
public sealed class ChaosConflictException(string message) : Exception(message);
