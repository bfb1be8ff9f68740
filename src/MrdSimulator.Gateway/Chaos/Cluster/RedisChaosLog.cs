using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Grains.Simulation;
using StackExchange.Redis;

namespace MrdSimulator.Gateway.Chaos.Cluster;

/// <summary>
/// What one process recorded since its last batch. Counts are complete; records are bounded (a fault hitting every
/// request at a high rate would otherwise flood the log), and the records a process had to leave out are counted.
/// </summary>
public sealed record ChaosLogBatch(
    string Node,
    IReadOnlyList<Injection> Injections,
    IReadOnlyList<DroppedNotification> Drops,
    IReadOnlyDictionary<string, long> InjectedByFault,
    IReadOnlyDictionary<string, long> InjectedByKind,
    IReadOnlyDictionary<string, long> UndeliveredByFault,
    long SessionsDropped,
    long RecordsLeftOut);

/// <summary>The cluster's chaos counters: injections per fault and per kind, Updates faults cost per fault, sessions cut.</summary>
public sealed record ChaosLogTotals(
    IReadOnlyDictionary<string, long> InjectedByFault,
    IReadOnlyDictionary<string, long> UndeliveredByFault,
    IReadOnlyDictionary<string, long> InjectedByKind,
    long SessionsDropped,
    long RecordsLeftOut);

/// <summary>
/// The cluster's record of what faults did, in Redis next to the grain state: every process appends its batches, so
/// <c>/admin/chaos/drops</c> and <c>/admin/chaos/injections</c> on any gateway cover the cluster, and the record
/// outlives any one process (a silo.kill's own record included). Records are Redis streams whose entry ids are the
/// records' gap-free sequence numbers (<c>0-N</c>), numbered and appended by one script, so concurrent appenders never
/// interleave a batch; <c>MAXLEN</c> keeps the newest, like the embedded ring. Not a grain: a grain's memory would die
/// with its silo, and storing the whole ring as grain state on every batch would cost far more.
/// </summary>
public sealed class RedisChaosLog(
    IConnectionMultiplexer redis,
    SimulatorOptions simulator,
    ChaosOptions chaos,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock)
{
    /// <summary>Injection records kept, as in each process (<c>ChaosEngine</c>).</summary>
    public const int InjectionsCapacity = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // KEYS: drops stream, injections stream, totals hash, injected-by-fault, injected-by-kind, undelivered-by-fault,
    // drops-by-reason, drops-by-kind. ARGV: drops capacity, injections capacity, drop count, injection count, then the
    // drop records (json, reason, kind), the injection records, then counter deltas as "field=n" groups.
    private const string AppendScript = """
        local a = 1
        local dropsCap, injCap = ARGV[a], ARGV[a + 1]
        local nDrops, nInj = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
        a = a + 4
        local seq = tonumber(redis.call('HGET', KEYS[3], 'drops') or '0')
        for i = 1, nDrops do
          seq = seq + 1
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', dropsCap, '0-' .. seq, 'r', ARGV[a])
          redis.call('HINCRBY', KEYS[7], ARGV[a + 1], 1)
          redis.call('HINCRBY', KEYS[8], ARGV[a + 2], 1)
          a = a + 3
        end
        redis.call('HSET', KEYS[3], 'drops', seq)
        seq = tonumber(redis.call('HGET', KEYS[3], 'injections') or '0')
        for i = 1, nInj do
          seq = seq + 1
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', injCap, '0-' .. seq, 'r', ARGV[a])
          a = a + 1
        end
        redis.call('HSET', KEYS[3], 'injections', seq)
        for k = 4, 6 do
          local n = tonumber(ARGV[a])
          a = a + 1
          for i = 1, n do
            redis.call('HINCRBY', KEYS[k], ARGV[a], ARGV[a + 1])
            a = a + 2
          end
        end
        redis.call('HINCRBY', KEYS[3], 'sessionsDropped', ARGV[a])
        redis.call('HINCRBY', KEYS[3], 'leftOut', ARGV[a + 1])
        return seq
        """;

    private string Prefix => $"{simulator.ServiceId}/{simulator.ClusterId}/chaos/";

    private RedisKey Drops => Prefix + "drops";

    private RedisKey Injections => Prefix + "injections";

    private RedisKey Totals => Prefix + "totals";

    private RedisKey InjectedByFault => Prefix + "injected-by-fault";

    private RedisKey InjectedByKind => Prefix + "injected-by-kind";

    private RedisKey UndeliveredByFault => Prefix + "undelivered-by-fault";

    private RedisKey DropsByReason => Prefix + "drops-by-reason";

    private RedisKey DropsByKind => Prefix + "drops-by-kind";

    private IDatabase Db => redis.GetDatabase();

    public async Task AppendAsync(ChaosLogBatch batch)
    {
        var args = new List<RedisValue>(8 + (batch.Drops.Count * 3) + batch.Injections.Count)
        {
            chaos.DropsCapacity, InjectionsCapacity, batch.Drops.Count, batch.Injections.Count,
        };
        foreach (var drop in batch.Drops)
        {
            args.Add(JsonSerializer.Serialize(drop, Json));
            args.Add(drop.Reason);
            args.Add(drop.FaultKind);
        }

        foreach (var injection in batch.Injections)
        {
            args.Add(JsonSerializer.Serialize(injection, Json));
        }

        foreach (var counts in new[] { batch.InjectedByFault, batch.InjectedByKind, batch.UndeliveredByFault })
        {
            args.Add(counts.Count);
            foreach (var (key, n) in counts)
            {
                args.Add(key);
                args.Add(n);
            }
        }

        args.Add(batch.SessionsDropped);
        args.Add(batch.RecordsLeftOut);
        await Db.ScriptEvaluateAsync(AppendScript,
            [Drops, Injections, Totals, InjectedByFault, InjectedByKind, UndeliveredByFault, DropsByReason, DropsByKind], [.. args]);
    }

    /// <summary>Records after <paramref name="since"/> (at most <paramref name="limit"/> read), as the embedded <see cref="DropLog.Since"/>.</summary>
    public async Task<DropPage> DropsSinceAsync(long since, int limit, string? requestIdPrefix)
    {
        var entries = await Db.StreamRangeAsync(Drops, minId: Id(Math.Max(since, 0) + 1), maxId: "+", count: limit);
        return await PageAsync(since, entries, requestIdPrefix);
    }

    public async Task<DropPage> DropsLastAsync(int limit)
    {
        var entries = await Db.StreamRangeAsync(Drops, minId: "-", maxId: "+", count: limit, messageOrder: Order.Descending);
        Array.Reverse(entries);
        return await PageAsync(null, entries, null);
    }

    public async Task<IReadOnlyList<Injection>> InjectionsAsync(int limit)
    {
        var entries = await Db.StreamRangeAsync(Injections, minId: "-", maxId: "+", count: limit, messageOrder: Order.Descending);
        return [.. entries.Reverse().Select(e => JsonSerializer.Deserialize<Injection>((string)e["r"]!, Json)! with { Sequence = SequenceOf(e.Id) })];
    }

    public async Task<ChaosLogTotals> TotalsAsync()
    {
        var db = Db;
        var (totals, byFault, byKind, undelivered) = (db.HashGetAllAsync(Totals), db.HashGetAllAsync(InjectedByFault), db.HashGetAllAsync(InjectedByKind), db.HashGetAllAsync(UndeliveredByFault));
        var t = Counts(await totals);
        return new ChaosLogTotals(Counts(await byFault), Counts(await undelivered), Counts(await byKind), t.GetValueOrDefault("sessionsDropped"), t.GetValueOrDefault("leftOut"));
    }

    private async Task<DropPage> PageAsync(long? since, StreamEntry[] entries, string? prefix)
    {
        var db = Db;
        var (totalsTask, oldestTask, lengthTask, byReasonTask, byKindTask) = (
            db.HashGetAllAsync(Totals), db.StreamRangeAsync(Drops, "-", "+", 1), db.StreamLengthAsync(Drops), db.HashGetAllAsync(DropsByReason), db.HashGetAllAsync(DropsByKind));
        var total = Counts(await totalsTask).GetValueOrDefault("drops");
        var oldest = (await oldestTask) is [var first, ..] ? SequenceOf(first.Id) : total + 1;
        var drops = new List<DroppedNotification>(entries.Length);
        var next = since ?? 0;
        foreach (var entry in entries)
        {
            var record = JsonSerializer.Deserialize<DroppedNotification>((string)entry["r"]!, Json)! with { Sequence = SequenceOf(entry.Id) };
            next = record.Sequence;
            if (prefix is null || record.RequestId is null || record.RequestId.StartsWith(prefix, StringComparison.Ordinal))
            {
                drops.Add(record);
            }
        }

        var missed = since is { } s ? Math.Max(0, oldest - 1 - Math.Max(s, 0)) : 0;
        return new DropPage(clock.GetUtcNow(), total, total - await lengthTask, chaos.DropsCapacity, missed, next,
            Counts(await byReasonTask), Counts(await byKindTask), drops);
    }

    private static RedisValue Id(long sequence) => "0-" + sequence.ToString(CultureInfo.InvariantCulture);

    private static long SequenceOf(RedisValue id) => long.Parse(((string)id!).AsSpan(2), CultureInfo.InvariantCulture);

    private static ImmutableDictionary<string, long> Counts(HashEntry[] entries) =>
        entries.ToImmutableDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
}
