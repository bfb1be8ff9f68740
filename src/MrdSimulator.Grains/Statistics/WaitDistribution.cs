using System.Collections.Immutable;

namespace MrdSimulator.Grains.Statistics;

/// <summary>
/// The queue waits of one MRD: exact counts per bucket and their sum over every wait (what the task metrics export),
/// and the waits themselves for the exact 90th percentile <c>GET /admin/capacity</c> reports. Up to
/// <see cref="MaxSamples"/> waits are all kept; beyond that a uniform sample of all waits is (reservoir sampling),
/// so the percentile keeps following the whole run in bounded memory instead of freezing on the first waits.
/// </summary>
public sealed class WaitDistribution(int seed)
{
    public const int MaxSamples = 1_000_000;

    /// <summary>
    /// Upper bounds in seconds (inclusive, as Prometheus' <c>le</c>), without +Inf. 0 counts offers made without
    /// waiting; 20, 30 and 60 are the usual service level thresholds, so a threshold's share can be read off exactly.
    /// </summary>
    public static ImmutableArray<double> Bounds { get; } =
        [0, 0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600];

    private readonly List<double> _samples = [];
    private readonly long[] _counts = new long[Bounds.Length + 1];
    private readonly long[] _sampleCounts = new long[Bounds.Length + 1];
    private readonly Random _random = new(seed);
    private double? _p90;

    /// <summary>Every wait added.</summary>
    public long Count { get; private set; }

    public double Sum { get; private set; }

    /// <summary>Waits per bucket of <see cref="Bounds"/> (not cumulative); the last one counts waits above the last bound.</summary>
    public ImmutableArray<long> Counts => [.. _counts];

    /// <summary>The nearest-rank 90th percentile of the kept waits (0 before the first); computed again only after a change.</summary>
    public double P90 => _p90 ??= NearestRank(0.9);

    public void Add(double wait)
    {
        Count++;
        Sum += wait;
        var bucket = BucketOf(wait);
        _counts[bucket]++;
        if (_samples.Count < MaxSamples)
        {
            _samples.Add(wait);
        }
        else if (_random.NextInt64(Count) is var slot && slot < MaxSamples)
        {
            // Algorithm R: the n-th wait replaces a kept one with probability MaxSamples / n.
            _sampleCounts[BucketOf(_samples[(int)slot])]--;
            _samples[(int)slot] = wait;
        }
        else
        {
            return;
        }

        _sampleCounts[bucket]++;
        _p90 = null;
    }

    private static int BucketOf(double wait)
    {
        var i = Bounds.BinarySearch(wait);
        return i >= 0 ? i : ~i;
    }

    /// <summary>
    /// The value of rank ⌈q·n⌉ among the kept waits. The bucket counts say which bucket holds that rank, so only that
    /// bucket's waits are sorted, not all of them: a scrape every second stays cheap with a million waits kept.
    /// </summary>
    private double NearestRank(double q)
    {
        if (_samples.Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Min(_samples.Count, Math.Ceiling(q * _samples.Count));
        var bucket = 0;
        long below = 0;
        while (below + _sampleCounts[bucket] < rank)
        {
            below += _sampleCounts[bucket++];
        }

        var inBucket = new List<double>((int)_sampleCounts[bucket]);
        foreach (var wait in _samples)
        {
            if (BucketOf(wait) == bucket)
            {
                inBucket.Add(wait);
            }
        }

        inBucket.Sort();
        return inBucket[(int)(rank - below - 1)];
    }
}
