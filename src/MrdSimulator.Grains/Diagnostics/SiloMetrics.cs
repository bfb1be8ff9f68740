using System.Diagnostics.Metrics;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Grains.Diagnostics;

/// <summary>
/// The simulator's own instruments in a silo (meter <c>MrdSimulator.Grains</c>, created through the host's meter
/// factory so two silos in one process never count each other): Updates published by Media grains, and what the
/// outbox could not deliver. Orleans' own meter (<c>Microsoft.Orleans</c>) covers activations and grain calls.
/// </summary>
public sealed class SiloMetrics
{
    public const string MeterName = "MrdSimulator.Grains";

    private readonly Counter<long> _published;
    private long _publishedTotal;

    public SiloMetrics(IMeterFactory meters, GrainOutbox outbox)
    {
        var meter = meters.Create(MeterName);
        _published = meter.CreateCounter<long>("mrdsim.notifications.published", unit: "{update}",
            description: "Updates published by Media grains, whether or not anyone subscribes");
        meter.CreateObservableCounter("mrdsim.outbox.retries", () => outbox.Retries, unit: "{call}",
            description: "Deliveries between grains retried after an overload, timeout or silo loss");
        meter.CreateObservableCounter("mrdsim.outbox.failed", () => outbox.FailedMessages, unit: "{message}",
            description: "Messages between grains given up after a permanent failure (0 unless something is broken)");
        meter.CreateObservableCounter("mrdsim.outbox.updates_dropped", () => outbox.DroppedUpdates, unit: "{update}",
            description: "Updates a subscriber did not get: its queue was full or it could not be reached");
    }

    public long PublishedTotal => Interlocked.Read(ref _publishedTotal);

    public void Published()
    {
        Interlocked.Increment(ref _publishedTotal);
        _published.Add(1);
    }
}
