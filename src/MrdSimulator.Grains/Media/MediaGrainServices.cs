using MrdSimulator.Domain.Directory;
using MrdSimulator.Grains.Chaos;
using MrdSimulator.Grains.Diagnostics;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Simulation;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// The silo services every Media grain uses, held by one reference: a million activations carry one field for them
/// instead of five.
/// </summary>
public sealed class MediaGrainServices(SimulatorDirectory directory, GrainOutbox outbox, MediaFaultHook faults, SiloMetrics metrics, SimulationWork work)
{
    public SimulatorDirectory Directory { get; } = directory;

    public GrainOutbox Outbox { get; } = outbox;

    public MediaFaultHook Faults { get; } = faults;

    public SiloMetrics Metrics { get; } = metrics;

    public SimulationWork Work { get; } = work;
}
