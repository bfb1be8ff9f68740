using System.Collections.Concurrent;
using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

public enum FaultStatus
{
    Scheduled,
    Active,
    Ended,
    Cleared,
}

/// <summary>A fault at run time: its spec, window, seed, per-scope decision counters and injection count.</summary>
public sealed class Fault(FaultSpec spec, string source, ulong seed, long order, DateTimeOffset scheduledStart)
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private long _injected;
    private long _undelivered;

    public FaultSpec Spec { get; } = spec;

    public string Id => Spec.Id;

    public FaultKind Kind => Spec.Kind;

    /// <summary><c>plan</c> or <c>admin</c>.</summary>
    public string Source { get; } = source;

    public ulong Seed { get; } = seed;

    /// <summary>Position among all faults ever added: decisions visit active faults in this order.</summary>
    public long Order { get; } = order;

    public DateTimeOffset ScheduledStart { get; } = scheduledStart;

    public DateTimeOffset? ScheduledEnd => Spec.Duration is { } d ? ScheduledStart + d : null;

    public DateTimeOffset? Start { get; set; }

    public DateTimeOffset? End { get; set; }

    public FaultStatus Status { get; set; }

    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Updates this fault cost: dropped, or lost with the sessions it cut or refused (<c>/admin/chaos/drops</c>).</summary>
    public long Undelivered => Interlocked.Read(ref _undelivered);

    internal ITimer? StartTimer { get; set; }

    internal ITimer? EndTimer { get; set; }

    /// <summary>This process learnt of the window well after it opened (it joined the cluster late): no one-off action.</summary>
    internal bool JoinedLate { get; set; }

    /// <summary>A one-off action of the window (failover's session cut).</summary>
    internal ITimer? EventTimer { get; set; }

    internal long AddInjected() => Interlocked.Increment(ref _injected);

    internal long AddUndelivered() => Interlocked.Increment(ref _undelivered);

    /// <summary>
    /// Decides whether the next event of <paramref name="scopeKey"/> is hit. Every call consumes one draw
    /// index, so the outcome depends only on how many events of this scope the fault has seen.
    /// </summary>
    public bool Decide(string scopeKey, out long n)
    {
        n = _counters.AddOrUpdate(scopeKey, 0, static (_, v) => v + 1);
        return Spec.Probability >= 1 || (Spec.Probability > 0 && ChaosRandom.Unit(Seed, scopeKey, n) < Spec.Probability);
    }

    /// <summary>An extra draw for the event <paramref name="n"/> (latency samples).</summary>
    public double Draw(string scopeKey, long n, int stream) => ChaosRandom.Unit(Seed, scopeKey, n, stream);
}
