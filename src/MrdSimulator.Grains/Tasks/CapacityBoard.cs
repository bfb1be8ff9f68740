using System.Collections.Concurrent;

namespace MrdSimulator.Grains.Tasks;

/// <summary>Capacity figures of one MRD at one moment (<c>GET /admin/capacity</c>).</summary>
public sealed record CapacitySnapshot(
    int MrdId,
    string MrdName,
    long Submitted,
    long Offered,
    long Routed,
    long Handled,
    long Transferred,
    long Abandoned,
    long Expired,
    long Ronas,
    int Queued,
    double AverageWaitSeconds,
    double P90WaitSeconds,
    int ServiceLevelThresholdSeconds,
    double? ServiceLevel,
    double? AgentOccupancy,
    double StaffedAgentSeconds,
    double BusyAgentSeconds,
    double AverageHandleSeconds);

/// <summary>
/// Counters per MRD, written by the queue and Media grains. Each MRD has its own lock; the writes are a
/// few additions, far cheaper than the grain turns that make them.
/// </summary>
public sealed class CapacityBoard
{
    private const int MaxWaitSamples = 1_000_000;
    private readonly ConcurrentDictionary<int, Counters> _mrds = new();

    public void Submitted(int mrdId) => Change(mrdId, c => c.Submitted++);

    /// <summary>A task reached an agent after waiting <paramref name="wait"/> in this queue visit.</summary>
    public void Routed(int mrdId, TimeSpan wait, int thresholdSeconds) => Change(mrdId, c =>
    {
        c.Routed++;
        c.Offered++;
        c.WaitSum += wait.TotalSeconds;
        if (wait.TotalSeconds <= thresholdSeconds)
        {
            c.WithinThreshold++;
        }

        if (c.Waits.Count < MaxWaitSamples)
        {
            c.Waits.Add(wait.TotalSeconds);
        }
    });

    public void Handled(int mrdId, TimeSpan handleTime) => Change(mrdId, c =>
    {
        c.Handled++;
        c.HandleSum += handleTime.TotalSeconds;
    });

    public void Transferred(int mrdId) => Change(mrdId, c => c.Transferred++);

    public void Abandoned(int mrdId) => Change(mrdId, c => c.Abandoned++);

    public void Expired(int mrdId) => Change(mrdId, c => c.Expired++);

    public void Rona(int mrdId) => Change(mrdId, c => c.Ronas++);

    public void QueueLength(int mrdId, int length) => Change(mrdId, c => c.Queued = length);

    /// <summary>An agent's time in the MRD since its last report: signed in, and with at least one live dialog.</summary>
    public void AgentTime(int mrdId, TimeSpan staffed, TimeSpan busy) => Change(mrdId, c =>
    {
        c.Staffed += staffed.TotalSeconds;
        c.Busy += busy.TotalSeconds;
    });

    public double AverageHandleSeconds(int mrdId)
    {
        if (!_mrds.TryGetValue(mrdId, out var c))
        {
            return 0;
        }

        lock (c)
        {
            return c.Handled == 0 ? 0 : c.HandleSum / c.Handled;
        }
    }

    public CapacitySnapshot Snapshot(int mrdId, string mrdName, int thresholdSeconds)
    {
        var c = _mrds.GetOrAdd(mrdId, static _ => new Counters());
        lock (c)
        {
            double p90 = 0;
            if (c.Waits.Count > 0)
            {
                var sorted = c.Waits.ToArray();
                Array.Sort(sorted);
                p90 = sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(0.9 * sorted.Length) - 1)];
            }

            var slDenominator = c.Routed + c.Abandoned + c.Expired;
            return new CapacitySnapshot(
                mrdId,
                mrdName,
                c.Submitted,
                c.Offered,
                c.Routed,
                c.Handled,
                c.Transferred,
                c.Abandoned,
                c.Expired,
                c.Ronas,
                c.Queued,
                c.Routed == 0 ? 0 : c.WaitSum / c.Routed,
                p90,
                thresholdSeconds,
                slDenominator == 0 ? null : (double)c.WithinThreshold / slDenominator,
                c.Staffed <= 0 ? null : c.Busy / c.Staffed,
                c.Staffed,
                c.Busy,
                c.Handled == 0 ? 0 : c.HandleSum / c.Handled);
        }
    }

    private void Change(int mrdId, Action<Counters> change)
    {
        var c = _mrds.GetOrAdd(mrdId, static _ => new Counters());
        lock (c)
        {
            change(c);
        }
    }

    private sealed class Counters
    {
        public long Submitted;
        public long Offered;
        public long Routed;
        public long WithinThreshold;
        public long Handled;
        public long Transferred;
        public long Abandoned;
        public long Expired;
        public long Ronas;
        public int Queued;
        public double WaitSum;
        public double HandleSum;
        public double Staffed;
        public double Busy;
        public List<double> Waits { get; } = [];
    }
}
