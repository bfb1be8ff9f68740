namespace MrdSimulator.Gateway.Configuration;

/// <summary>Settings of the simulated Finesse (section <c>Simulator</c>, or the command-line switches in README).</summary>
public sealed record SimulatorOptions
{
    /// <summary>YAML or JSON directory file; null runs on the generated demo directory.</summary>
    public string? DirectoryFile { get; init; }

    /// <summary>Agents in the generated directory (ignored with a directory file).</summary>
    public int Agents { get; init; } = 1000;

    public string XmppDomain { get; init; } = "finesse.mrdsim.local";

    public string XmppPubSubDomain => "pubsub." + XmppDomain;

    /// <summary>Consecutive bad passwords that lock a user (Finesse: five).</summary>
    public int LockoutThreshold { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest request body accepted; larger ones get 400 with an ApiErrors body.</summary>
    public int MaxRequestBodyBytes { get; init; } = Domain.Xml.RequestXml.MaxBodyBytes;

    /// <summary>Updates a notification stream may hold for a slow reader before it is closed.</summary>
    public int StreamQueueCapacity { get; init; } = 1024;

    /// <summary>Longest a notification stream's write may wait for a reader that takes nothing before the stream is cut.</summary>
    public TimeSpan StreamWriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Notification sessions one user may hold at once, SSE streams and XMPP sessions together.</summary>
    public int MaxSessionsPerUser { get; init; } = 16;

    public int MailboxCapacity { get; init; } = 1024;

    public TimeSpan CollectionAge { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan CollectionQuantum { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The silo's port (silo-to-silo traffic). Embedded: on loopback, 0 picks a free one. Cluster silos: 0 means 11111.
    /// </summary>
    public int SiloPort { get; init; }

    /// <summary>A cluster silo's gateway port, where gateway processes (Orleans clients) connect; 0 means 30000.</summary>
    public int GatewayPort { get; init; }

    /// <summary>What this process is: the embedded simulator, a silo of a cluster, or a gateway of one.</summary>
    public SimulatorRole Role { get; init; } = SimulatorRole.All;

    /// <summary>Redis (<c>host:port[,options]</c>) for a cluster's membership and grain state; required by the silo and gateway roles.</summary>
    public string? Redis { get; init; }

    public string ClusterId { get; init; } = "mrdsim";

    /// <summary>Part of every stored grain key: keep it when restarting a cluster over the same Redis.</summary>
    public string ServiceId { get; init; } = "mrdsim";

    /// <summary>The address a cluster silo tells others to reach it on (default loopback, for a cluster on one machine).</summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";

    public Grains.Hosting.FailureDetection FailureDetection { get; init; } = Grains.Hosting.FailureDetection.Default;

    /// <summary>
    /// This process's name in a cluster (<c>silo-2</c>, <c>gateway-1</c>): the <c>node</c> label of its metrics and the
    /// target of the chaos process faults <c>silo.kill</c> and <c>gateway.kill</c>. Default: the role and the process id.
    /// </summary>
    public string? NodeName { get; init; }

    public Observability.TelemetryMode Telemetry { get; init; } = Observability.TelemetryMode.On;
    public Xmpp.XmppOptions Xmpp { get; init; } = new();
}
