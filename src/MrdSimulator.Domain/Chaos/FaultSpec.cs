using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using Orleans;

namespace MrdSimulator.Domain.Chaos;

/// <summary>The Media requests a back-end fault can refuse.</summary>
[Flags]
public enum MediaOperations
{
    None = 0,
    Login = 1,
    Ready = 2,
    NotReady = 4,
    Logout = 8,
    Routable = 16,
    All = Login | Ready | NotReady | Logout | Routable,
}

public static class MediaOperationNames
{
    public static readonly (string Name, MediaOperations Op)[] Names =
    [
        ("login", MediaOperations.Login), ("ready", MediaOperations.Ready), ("not_ready", MediaOperations.NotReady),
        ("logout", MediaOperations.Logout), ("routable", MediaOperations.Routable), ("all", MediaOperations.All),
    ];

    public static MediaOperations Of(MediaRequest request) => request switch
    {
        { Routable: not null } => MediaOperations.Routable,
        { State: AgentState.Login } => MediaOperations.Login,
        { State: AgentState.Ready } => MediaOperations.Ready,
        { State: AgentState.NotReady } => MediaOperations.NotReady,
        { State: AgentState.Logout } => MediaOperations.Logout,
        _ => MediaOperations.None,
    };

    public static string Format(MediaOperations ops) =>
        ops == MediaOperations.All ? "all" : string.Join(",", Names.Where(n => n.Op != MediaOperations.All && ops.HasFlag(n.Op)).Select(n => n.Name));
}

/// <summary>How an XMPP disconnect ends the session.</summary>
public enum XmppCloseMode
{
    /// <summary>A <c>&lt;stream:error&gt;</c> (system-shutdown) then the closing tag.</summary>
    StreamError,

    /// <summary>The TCP connection is reset without a word.</summary>
    Reset,
}

/// <summary>
/// One fault: what it does, to whom, how often and when. <see cref="At"/> is the offset of the window's
/// start from the plan's start (or from the moment it is added through the admin API);
/// a null <see cref="Duration"/> keeps it until it is cleared.
/// </summary>
[GenerateSerializer, Immutable, Alias("FaultSpec")]
public sealed record FaultSpec
{
    [Id(0)]
    public required string Id { get; init; }

    [Id(1)]
    public required FaultKind Kind { get; init; }

    [Id(2)]
    public FaultScope Scope { get; init; } = FaultScope.All;

    /// <summary>Chance that a request (or Update, or offer) in scope is hit; 1 for window faults.</summary>
    [Id(3)]
    public double Probability { get; init; } = 1;

    [Id(4)]
    public TimeSpan At { get; init; }

    [Id(5)]
    public TimeSpan? Duration { get; init; }

    /// <summary>Overrides the plan's seed for this fault.</summary>
    [Id(6)]
    public ulong? Seed { get; init; }

    /// <summary>rest.latency, notification.delay.</summary>
    [Id(7)]
    public Latency? Latency { get; init; }

    /// <summary>rest.error: the HTTP status (500..599).</summary>
    [Id(8)]
    public int Status { get; init; } = 500;

    /// <summary>rest.unavailable / failover: the text of the 503 ApiError.</summary>
    [Id(9)]
    public string? Reason { get; init; }

    /// <summary>backend.error.</summary>
    [Id(10)]
    public ArmError? Error { get; init; }

    [Id(11)]
    public MediaOperations Operations { get; init; } = MediaOperations.Login;

    /// <summary>backend.error: hit only while at least this many agents are signed in (E_ARM_STAT_PERFORMANCE_LIMIT_EXCEEDED).</summary>
    [Id(12)]
    public int? MaxSignedIn { get; init; }

    /// <summary>notification.duplicate: deliveries of each hit Update (2 = one extra copy).</summary>
    [Id(13)]
    public int Copies { get; init; } = 2;

    /// <summary>notification.reorder: longest time an Update is held waiting for the next one on its node.</summary>
    [Id(14)]
    public TimeSpan MaxHold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>failover: WORK_NOT_READY (guide) or WORK (finesse.js).</summary>
    [Id(15)]
    public AgentState FailoverState { get; init; } = AgentState.WorkNotReady;

    /// <summary>failover: time between publishing the failover Updates and dropping the sessions.</summary>
    [Id(16)]
    public TimeSpan SessionGrace { get; init; } = TimeSpan.FromMilliseconds(250);

    [Id(17)]
    public XmppCloseMode CloseMode { get; init; } = XmppCloseMode.StreamError;

    /// <summary>silo.kill / gateway.kill: the process's <c>--node-name</c> (<c>silo-2</c>).</summary>
    [Id(18)]
    public string? Target { get; init; }

    /// <summary>Line of the fault in its plan file or request body (0 when built in code).</summary>
    [Id(19)]
    public int Line { get; init; }

    /// <summary>A window fault whose scope is everyone and that always hits: the side is down, not just flaky.</summary>
    public bool IsOutOfService => Kind == FaultKind.Failover || (Kind == FaultKind.RestUnavailable && Scope.IsAll && Probability >= 1);

    public TimeSpan? End => Duration is { } d ? At + d : null;
}

/// <summary>A chaos plan: a seed and faults on a timeline.</summary>
[GenerateSerializer, Immutable, Alias("ChaosPlan")]
public sealed record ChaosPlan([property: Id(0)] string Name, [property: Id(1)] ulong Seed, [property: Id(2)] IReadOnlyList<FaultSpec> Faults)
{
    /// <summary>When the last bounded fault ends; null when some fault lasts until cleared.</summary>
    public TimeSpan? Length => Faults.Any(f => f.Duration is null) ? null : Faults.Select(f => f.End!.Value).DefaultIfEmpty().Max();
}
