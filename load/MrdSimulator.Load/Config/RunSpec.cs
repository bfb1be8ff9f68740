using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Scenarios;
using MrdSimulator.Load.Thresholds;

namespace MrdSimulator.Load.Config;

/// <summary>Everything a run needs, from a scenario file and/or the command line, validated.</summary>
public sealed record RunSpec
{
    public string TestName { get; init; } = "mrdload";

    public string BaseUrl { get; init; } = "http://127.0.0.1:5080";

    public string Password { get; init; } = "password";

    public string Notifications { get; init; } = "sse";

    public string NotificationPath { get; init; } = "/notifications";

    /// <summary>XMPP server host for <c>notifications: xmpp</c>; null = the base URL's host.</summary>
    public string? XmppHost { get; init; }

    public int XmppPort { get; init; } = 5222;

    /// <summary>XMPP domain; null = <c>xmppDomain</c> from SystemInfo.</summary>
    public string? XmppDomain { get; init; }

    /// <summary>"auto", "required" or "off" (STARTTLS).</summary>
    public string XmppTls { get; init; } = "auto";

    /// <summary>Accept any XMPP server certificate (the simulator's development certificate).</summary>
    public bool XmppAcceptAnyCertificate { get; init; }

    public TimeSpan NotificationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxConnections { get; init; } = 256;

    /// <summary>"lean" (the driver's own HTTP/1.1 client, plain http only) or "sockets" (SocketsHttpHandler).</summary>
    public string HttpClient { get; init; } = "lean";

    public string ReportFolder { get; init; } = "reports";

    public IReadOnlyList<string> ReportFormats { get; init; } = ["html", "md", "csv", "json"];

    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    public long MaxFailCount { get; init; } = 5000;

    public bool CoordinatedOmissionCorrection { get; init; } = true;

    public ArrivalPattern Arrival { get; init; } = ArrivalPattern.Uniform;

    public int Seed { get; init; } = 42;

    /// <summary>A chaos plan POSTed to the simulator when the run starts (docs/chaos.md); its fault windows are drawn on the charts.</summary>
    public string? ChaosPlanFile { get; init; }

    /// <summary>The simulator's admin token (for the chaos plan); also from MRDSIM_ADMIN_TOKEN.</summary>
    public string? AdminToken { get; init; }

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<LoadSimulation>? Load { get; init; }

    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    public IReadOnlyList<ScenarioSpec> Scenarios { get; init; } = [];

    public IReadOnlyList<Threshold> Thresholds { get; init; } = [];
}

public sealed record ScenarioSpec
{
    /// <summary>The task MRD of the demo directory (Cisco_Task_MRD, script selector Task_SS): default MRD of the task scenarios.</summary>
    public static readonly IReadOnlyList<int> TaskMrds = [5002];

    public static bool IsTaskType(string type) => type is "task-handling" or "task-feed";

    public required string Name { get; init; }

    public required string Type { get; init; }

    public double Weight { get; init; } = 1;

    public string Agents { get; init; } = "1000-1999";

    public FeedOrder AgentOrder { get; init; } = FeedOrder.Circular;

    public IReadOnlyList<int> Mrds { get; init; } = [5000, 5001, 5002];

    public int Cycles { get; init; } = 3;

    public IReadOnlyList<string> NotReadyReasons { get; init; } = ["1001", "1002"];

    public IReadOnlyList<string> LogoutReasons { get; init; } = ["2001"];

    public TimeSpan ThinkTime { get; init; } = TimeSpan.Zero;

    public bool? AwaitNotifications { get; init; }

    public bool CheckSilentReady { get; init; } = true;

    public string Method { get; init; } = "PUT";

    public string Path { get; init; } = "/finesse/api/User/1000/Media/5000";

    public string? Body { get; init; }

    public string ContentType { get; init; } = "application/xml";

    public int ExpectStatus { get; init; } = 202;

    public string? BasicAuth { get; init; }

    /// <summary>How the scenario's virtual users retry and pace failed requests; null = the type's default (<see cref="RetryPolicy.DefaultFor"/>).</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>task-handling and task-feed settings (tasksPerShift, transferShare, …, feed, scriptSelector).</summary>
    public TaskScenarioOptions Tasks { get; init; } = new();

    /// <summary>task-feed of the built-in task-handling: its load is <c>inject --task-rate/s</c> for the run's whole duration.</summary>
    public bool FeedFollowsRun { get; init; }

    /// <summary>Own timeline; null = the run's shared timeline (weighted with the other such scenarios).</summary>
    public IReadOnlyList<LoadSimulation>? Load { get; init; }

    public TimeSpan? WarmUp { get; init; }

    /// <summary>Line in the scenario file (0 when given on the command line).</summary>
    public int Line { get; init; }
}

/// <summary>A problem found before the run, with where it is.</summary>
public sealed class ScenarioFileException(string file, int line, int column, string field, string reason)
    : Exception(line > 0 ? $"{file}:{line}:{column}: {field}: {reason}" : $"{file}: {field}: {reason}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
