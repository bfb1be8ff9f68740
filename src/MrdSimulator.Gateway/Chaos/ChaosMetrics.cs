using System.Diagnostics.Metrics;
using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// Meter <c>MrdSimulator.Chaos</c>: faults injected per kind, Updates faults cost (per reason and fault kind),
/// sessions cut by faults, and the number of active faults per kind. Created through the host's meter factory so that two hosts in
/// one process (tests) keep separate counts.
/// </summary>
public sealed class ChaosMetrics : IDisposable
{
    public const string MeterName = "MrdSimulator.Chaos";

    private readonly Meter _meter;
    private readonly Counter<long> _injected;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _sessions;
    private readonly KeyValuePair<string, object?>[][] _kindTags;

    public ChaosMetrics(IMeterFactory factory, Func<IEnumerable<Measurement<int>>> active)
    {
        _meter = factory.Create(MeterName);
        _injected = _meter.CreateCounter<long>("mrdsim.chaos.injected", "{fault}", "Faults injected, per kind");
        _dropped = _meter.CreateCounter<long>(
            "mrdsim.chaos.notifications.dropped", "{update}",
            "Updates faults cost, per reason (fault, session-cut, in-flight: possibly lost, no-session) and fault kind");
        _sessions = _meter.CreateCounter<long>("mrdsim.chaos.sessions.dropped", "{session}", "Notification sessions cut by faults");
        _meter.CreateObservableGauge("mrdsim.chaos.active", active, "{fault}", "Faults whose window is open, per kind");
        _kindTags = [.. Enum.GetValues<FaultKind>().Select(k => new[] { new KeyValuePair<string, object?>("kind", k.ToWire()) })];
    }

    public static KeyValuePair<string, object?> KindTag(FaultKind kind) => new("kind", kind.ToWire());

    public void Injected(FaultKind kind) => _injected.Add(1, _kindTags[(int)kind]);

    public void NotificationDropped(string reason, FaultKind kind) =>
        _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason), _kindTags[(int)kind][0]);

    public void SessionsDropped(int count, string transport)
    {
        if (count > 0)
        {
            _sessions.Add(count, new KeyValuePair<string, object?>("transport", transport));
        }
    }

    public void Dispose() => _meter.Dispose();
}
