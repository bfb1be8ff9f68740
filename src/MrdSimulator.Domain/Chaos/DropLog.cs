using Orleans;

namespace MrdSimulator.Domain.Chaos;

/// <summary>Why a fault cost an Update (the <c>reason</c> of <c>/admin/chaos/drops</c> records).</summary>
public static class DropReasons
{
    /// <summary>A <c>notification.drop</c> fault dropped it.</summary>
    public const string Fault = "fault";

    /// <summary>It was queued for a session that a fault cut before the session wrote it: certainly lost.</summary>
    public const string SessionCut = "session-cut";

    /// <summary>It was written to a connection shortly before a fault reset it: possibly lost (the client may have read it).</summary>
    public const string InFlight = "in-flight";

    /// <summary>It was published while the user had no session because a fault had cut or refused it: certainly lost.</summary>
    public const string NoSession = "no-session";

    public static readonly IReadOnlyList<string> All = [Fault, SessionCut, InFlight, NoSession];
}

/// <summary>
/// An Update a fault cost: what correlation needs to tell a fault from a bug. <paramref name="RequestId"/> is null
/// for Updates no request caused (failover, RONA); <paramref name="Source"/> and <paramref name="State"/> (Media
/// Updates only) let a client follow the state change it missed.
/// </summary>
[GenerateSerializer, Immutable, Alias("DroppedNotification")]
public sealed record DroppedNotification(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Reason,
    [property: Id(3)] string FaultId,
    [property: Id(4)] string FaultKind,
    [property: Id(5)] string UserId,
    [property: Id(6)] string Node,
    [property: Id(7)] long NodeSequence,
    [property: Id(8)] string? RequestId,
    [property: Id(9)] string? Source,
    [property: Id(10)] string? State,
    [property: Id(11)] string? Transport);

/// <summary>One page of <c>GET /admin/chaos/drops</c>; <paramref name="Now"/> is the simulator's clock (a reader maps <c>at</c> to its own).</summary>
/// <param name="Total">Records ever added (all reasons).</param>
/// <param name="Overflowed">Records pushed out of the ring by newer ones.</param>
/// <param name="Missed">Records after <c>since</c> that were already pushed out when this page was read.</param>
/// <param name="Next">The sequence to pass as <c>since</c> for the next page.</param>
[GenerateSerializer, Immutable, Alias("DropPage")]
public sealed record DropPage(
    [property: Id(0)] DateTimeOffset Now,
    [property: Id(1)] long Total,
    [property: Id(2)] long Overflowed,
    [property: Id(3)] int Capacity,
    [property: Id(4)] long Missed,
    [property: Id(5)] long Next,
    [property: Id(6)] IReadOnlyDictionary<string, long> ByReason,
    [property: Id(7)] IReadOnlyDictionary<string, long> ByFaultKind,
    [property: Id(8)] IReadOnlyList<DroppedNotification> Drops);

/// <summary>A bounded ring of <see cref="DroppedNotification"/> with gap-free sequence numbers; the oldest go first, counted.</summary>
public sealed class DropLog(int capacity, TimeProvider time)
{
    private readonly DroppedNotification[] _ring = new DroppedNotification[capacity];
    private readonly Dictionary<string, long> _byReason = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byFaultKind = new(StringComparer.Ordinal);
    private long _total;

    public int Capacity => _ring.Length;

    public long Total
    {
        get
        {
            lock (_ring)
            {
                return _total;
            }
        }
    }

    /// <summary>Adds a record; <paramref name="make"/> receives its sequence number (from 1).</summary>
    public DroppedNotification Add(Func<long, DroppedNotification> make)
    {
        lock (_ring)
        {
            var record = make(++_total);
            _ring[(int)((_total - 1) % _ring.Length)] = record;
            _byReason[record.Reason] = _byReason.GetValueOrDefault(record.Reason) + 1;
            _byFaultKind[record.FaultKind] = _byFaultKind.GetValueOrDefault(record.FaultKind) + 1;
            return record;
        }
    }

    /// <summary>The newest <paramref name="limit"/> records, oldest first.</summary>
    public DropPage Last(int limit)
    {
        lock (_ring)
        {
            var first = Math.Max(Oldest, _total - limit + 1);
            return Page(0, first, limit, null);
        }
    }

    /// <summary>
    /// Records after <paramref name="since"/> in order, at most <paramref name="limit"/>; with
    /// <paramref name="requestIdPrefix"/>, only those whose requestId starts with it and those with none
    /// (Updates no request caused, which a client needs to follow state changes it missed).
    /// </summary>
    public DropPage Since(long since, int limit, string? requestIdPrefix)
    {
        lock (_ring)
        {
            return Page(Math.Max(0, Oldest - 1 - Math.Max(since, 0)), Math.Max(since + 1, Oldest), limit, requestIdPrefix);
        }
    }

    private long Oldest => Math.Max(1, _total - _ring.Length + 1);

    private DropPage Page(long missed, long from, int limit, string? prefix)
    {
        var items = new List<DroppedNotification>(Math.Min(limit, 1024));
        var next = from - 1;
        for (var seq = from; seq <= _total && items.Count < limit; seq++)
        {
            var record = _ring[(int)((seq - 1) % _ring.Length)];
            next = seq;
            if (prefix is null || record.RequestId is null || record.RequestId.StartsWith(prefix, StringComparison.Ordinal))
            {
                items.Add(record);
            }
        }

        return new DropPage(
            time.GetUtcNow(),
            _total,
            Math.Max(0, _total - _ring.Length),
            _ring.Length,
            missed,
            Math.Max(next, 0),
            new Dictionary<string, long>(_byReason, StringComparer.Ordinal),
            new Dictionary<string, long>(_byFaultKind, StringComparer.Ordinal),
            items);
    }
}

/// <summary>One injected fault, in the order the simulator injected them.</summary>
[GenerateSerializer, Immutable, Alias("Injection")]
public sealed record Injection(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string FaultId,
    [property: Id(3)] string Kind,
    [property: Id(4)] string ScopeKey,
    [property: Id(5)] long Index,
    [property: Id(6)] string Detail);
