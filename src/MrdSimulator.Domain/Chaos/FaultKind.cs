namespace MrdSimulator.Domain.Chaos;

/// <summary>What a fault does. Wire names (plan files, admin API, metrics) are in <see cref="FaultKinds"/>.</summary>
public enum FaultKind
{
    /// <summary>Finesse REST answers 503; with scope all and probability 1 the side is OUT_OF_SERVICE.</summary>
    RestUnavailable,

    /// <summary>Finesse REST requests are held for a fixed or random time before they are served.</summary>
    RestLatency,

    /// <summary>Finesse REST answers 500 (or another 5xx) with an ApiErrors body.</summary>
    RestError,

    /// <summary>The connection is reset instead of answering.</summary>
    RestReset,

    /// <summary>Media requests are accepted (202) and refused asynchronously with an E_ARM_STAT error.</summary>
    BackendError,

    NotificationDrop,
    NotificationDelay,
    NotificationDuplicate,

    /// <summary>An Update is held back and delivered after the next one on the same node.</summary>
    NotificationReorder,

    /// <summary>The Finesse side goes out of service; signed-in agents fall to the failover state.</summary>
    Failover,

    /// <summary>Live XMPP sessions are closed (stream error or TCP reset).</summary>
    XmppDisconnect,

    /// <summary>The XMPP service refuses new sessions.</summary>
    XmppRefuse,

    /// <summary>Offers are not answered: the offered dialog rings out (RONA).</summary>
    TaskRona,

    /// <summary>Queued or live tasks expire (task life) at once.</summary>
    TaskExpire,

    /// <summary>The CCP task API answers 503.</summary>
    TaskUnavailable,

    /// <summary>A cluster's silo process (<see cref="FaultSpec.Target"/>) is killed (SIGKILL) when the window opens.</summary>
    SiloKill,

    /// <summary>A cluster's gateway process (<see cref="FaultSpec.Target"/>) is killed (SIGKILL) when the window opens.</summary>
    GatewayKill,
}

public static class FaultKinds
{
    private static readonly (FaultKind Kind, string Wire)[] Names =
    [
        (FaultKind.RestUnavailable, "rest.unavailable"),
        (FaultKind.RestLatency, "rest.latency"),
        (FaultKind.RestError, "rest.error"),
        (FaultKind.RestReset, "rest.reset"),
        (FaultKind.BackendError, "backend.error"),
        (FaultKind.NotificationDrop, "notification.drop"),
        (FaultKind.NotificationDelay, "notification.delay"),
        (FaultKind.NotificationDuplicate, "notification.duplicate"),
        (FaultKind.NotificationReorder, "notification.reorder"),
        (FaultKind.Failover, "failover"),
        (FaultKind.XmppDisconnect, "xmpp.disconnect"),
        (FaultKind.XmppRefuse, "xmpp.refuse"),
        (FaultKind.TaskRona, "task.rona"),
        (FaultKind.TaskExpire, "task.expire"),
        (FaultKind.TaskUnavailable, "task.unavailable"),
        (FaultKind.SiloKill, "silo.kill"),
        (FaultKind.GatewayKill, "gateway.kill"),
    ];

    public static IEnumerable<string> WireNames => Names.Select(n => n.Wire);

    public static string ToWire(this FaultKind kind) => Names[(int)kind].Wire;

    public static bool TryParse(string text, out FaultKind kind)
    {
        foreach (var (k, wire) in Names)
        {
            if (wire == text)
            {
                kind = k;
                return true;
            }
        }

        kind = default;
        return false;
    }

    public static bool IsRest(this FaultKind kind) => kind is FaultKind.RestUnavailable or FaultKind.RestLatency or FaultKind.RestError or FaultKind.RestReset;

    public static bool IsNotification(this FaultKind kind) =>
        kind is FaultKind.NotificationDrop or FaultKind.NotificationDelay or FaultKind.NotificationDuplicate or FaultKind.NotificationReorder;

    /// <summary>Faults that act once when their window opens rather than per request.</summary>
    public static bool IsEvent(this FaultKind kind) => kind is FaultKind.Failover or FaultKind.XmppDisconnect or FaultKind.TaskExpire || kind.IsProcess();

    /// <summary>Faults on the simulator's own processes; only a cluster (silo and gateway roles) has processes to kill.</summary>
    public static bool IsProcess(this FaultKind kind) => kind is FaultKind.SiloKill or FaultKind.GatewayKill;
}
