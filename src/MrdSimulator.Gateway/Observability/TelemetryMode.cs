namespace MrdSimulator.Gateway.Observability;

/// <summary><c>--telemetry on|off</c>. Off: no meter listener, no OTLP export, no /metrics or /dashboard (health stays).</summary>
public enum TelemetryMode
{
    On,
    Off,
}
