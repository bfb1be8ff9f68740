namespace MrdSimulator.Gateway.SystemInfo;

/// <summary>IN_SERVICE or OUT_OF_SERVICE. Out of service, every Finesse endpoint answers 503 (G125-186).</summary>
public sealed class ServiceStatus
{
    private volatile string? _outOfServiceReason;

    public bool InService => _outOfServiceReason is null;

    public string Wire => InService ? "IN_SERVICE" : "OUT_OF_SERVICE";

    public string? Reason => _outOfServiceReason;

    public void TakeOutOfService(string reason) => _outOfServiceReason = reason;

    public void Restore() => _outOfServiceReason = null;
}
