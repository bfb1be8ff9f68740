using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>A fault as the admin API and the timeline show it.</summary>
public sealed record FaultView(
    string Id,
    string Kind,
    string Source,
    string Status,
    string Scope,
    double Probability,
    ulong Seed,
    double AtSeconds,
    double? DurationSeconds,
    DateTimeOffset ScheduledStart,
    DateTimeOffset? ScheduledEnd,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    long Injected,
    IReadOnlyDictionary<string, string> Parameters)
{
    public static FaultView Of(Fault f)
    {
        var s = f.Spec;
        var p = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (s.Kind)
        {
            case FaultKind.RestLatency or FaultKind.NotificationDelay:
                p[s.Kind == FaultKind.RestLatency ? "latency" : "delay"] = s.Latency?.ToString() ?? string.Empty;
                break;
            case FaultKind.RestError:
                p["status"] = s.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case FaultKind.BackendError:
                p["error"] = s.Error?.Constant ?? string.Empty;
                p["operations"] = MediaOperationNames.Format(s.Operations);
                if (s.MaxSignedIn is { } max)
                {
                    p["maxSignedIn"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                break;
            case FaultKind.NotificationDuplicate:
                p["copies"] = s.Copies.ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
            case FaultKind.NotificationReorder:
                p["maxHold"] = Durations.Format(s.MaxHold);
                break;
            case FaultKind.Failover:
                p["state"] = s.FailoverState == Domain.Media.AgentState.Work ? "WORK" : "WORK_NOT_READY";
                p["sessionGrace"] = Durations.Format(s.SessionGrace);
                break;
            case FaultKind.XmppDisconnect:
                p["mode"] = s.CloseMode == XmppCloseMode.Reset ? "reset" : "stream-error";
                break;
        }

        if (s.Reason is not null)
        {
            p["reason"] = s.Reason;
        }

        if (s.IsOutOfService)
        {
            p["outOfService"] = "true";
        }

        return new FaultView(
            f.Id, s.Kind.ToWire(), f.Source, f.Status.ToString().ToLowerInvariant(), s.Scope.ToString(), s.Probability, f.Seed,
            s.At.TotalSeconds, s.Duration?.TotalSeconds, f.ScheduledStart, f.ScheduledEnd, f.Start, f.End, f.Injected, p);
    }
}

public sealed record PlanView(string Name, ulong Seed, DateTimeOffset StartedAt, double? LengthSeconds, int Faults);

/// <summary>One fault window on the timeline, offsets in seconds from the plan's start (or from the first fault); <paramref name="Undelivered"/>: Updates it cost.</summary>
public sealed record TimelineEntry(
    string Id,
    string Kind,
    string Source,
    string Scope,
    string Status,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    double? StartOffsetSeconds,
    double? EndOffsetSeconds,
    long Injected,
    long Undelivered);

public sealed record ChaosTimeline(
    DateTimeOffset Now,
    PlanView? Plan,
    DateTimeOffset Origin,
    IReadOnlyList<TimelineEntry> Windows,
    IReadOnlyDictionary<string, long> InjectedByKind,
    long NotificationsDropped,
    long SessionsDropped);
