using System.Diagnostics;

namespace MrdSimulator.Gateway.Observability.Tracing;

/// <summary>
/// The simulator's own trace source. Spans cost nothing until a tracer provider listens (telemetry on
/// with an OTLP endpoint), because <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null.
/// </summary>
public static class SimulatorActivity
{
    public const string SourceName = "MrdSimulator";

    public static readonly ActivitySource Source = new(SourceName);
}
