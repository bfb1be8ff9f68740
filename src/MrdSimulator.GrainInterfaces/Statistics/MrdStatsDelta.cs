using System.Collections.Immutable;

namespace MrdSimulator.GrainInterfaces.Statistics;

/// <summary>An agent's sign-in to (or out of) one MRD.</summary>
[GenerateSerializer, Immutable]
public readonly record struct SignInChange(string UserId, bool SignedIn);

/// <summary>
/// What changed in one MRD's figures since a silo last reported: additions to counters, agents moving between
/// states, sign-ins and sign-outs. Additive, so reports from several silos sum to the MRD's figures.
/// </summary>
[GenerateSerializer, Immutable, Alias("MrdStatsDelta")]
public sealed record MrdStatsDelta
{
    /// <summary>Per <see cref="Domain.Media.AgentState"/> (by value): agents that entered minus agents that left.</summary>
    [Id(0)]
    public ImmutableArray<int> AgentStates { get; init; } = [];

    [Id(1)]
    public ImmutableArray<SignInChange> SignIns { get; init; } = [];

    [Id(2)]
    public long Submitted { get; init; }

    /// <summary>Tasks offered to (and taken by) an agent, with their waits in this queue visit.</summary>
    [Id(3)]
    public long Routed { get; init; }

    [Id(4)]
    public long WithinThreshold { get; init; }

    [Id(5)]
    public ImmutableArray<double> WaitSeconds { get; init; } = [];

    [Id(6)]
    public long Handled { get; init; }

    [Id(7)]
    public double HandleSeconds { get; init; }

    [Id(8)]
    public long Transferred { get; init; }

    [Id(9)]
    public long Abandoned { get; init; }

    [Id(10)]
    public long Expired { get; init; }

    [Id(11)]
    public long Ronas { get; init; }

    /// <summary>The queue's length when it last changed (not additive: the queue grain alone reports it).</summary>
    [Id(12)]
    public int? QueueLength { get; init; }

    /// <summary>Agent time signed in to the MRD, and with at least one live dialog.</summary>
    [Id(13)]
    public double StaffedSeconds { get; init; }

    [Id(14)]
    public double BusySeconds { get; init; }

    /// <summary>
    /// Tasks a bot agent closed with its timings measured, and what the real-time hops added to them in simulated
    /// seconds (sums; the maxima are not additive and are combined by max). See docs/capacity.md, "Live time scaling".
    /// </summary>
    [Id(15)]
    public long TimedTasks { get; init; }

    /// <summary>Offer stamped by the Media grain → START landing there, minus the bot's intended accept delay.</summary>
    [Id(16)]
    public double OfferLagSeconds { get; init; }

    [Id(17)]
    public double MaxOfferLagSeconds { get; init; }

    /// <summary>START landing → CLOSE acknowledged, minus the bot's intended handle time and wrap-up.</summary>
    [Id(18)]
    public double HandleInflationSeconds { get; init; }

    [Id(19)]
    public double MaxHandleInflationSeconds { get; init; }

    /// <summary>The bots' intended handle time plus wrap-up: what the inflation is measured against.</summary>
    [Id(20)]
    public double IntendedHandleSeconds { get; init; }

    /// <summary>Bot timers that fired, and how late in sum (clock at the callback − due time).</summary>
    [Id(21)]
    public long TimerFirings { get; init; }

    [Id(22)]
    public double TimerLatenessSeconds { get; init; }
}
