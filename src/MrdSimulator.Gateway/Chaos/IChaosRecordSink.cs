using MrdSimulator.Domain.Chaos;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>Receives what an engine records, for the cluster's log (<see cref="Cluster.ChaosReplica"/>).</summary>
public interface IChaosRecordSink
{
    void Injected(Injection injection);

    void Undelivered(DroppedNotification drop);

    void SessionsDropped(long count);

    /// <summary>Sends what is pending now, waiting at most <paramref name="timeout"/>.</summary>
    Task FlushAsync(TimeSpan timeout);
}
