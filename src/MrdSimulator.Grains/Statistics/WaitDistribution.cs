using System.Collections.Immutable;
using System.Runtime.InteropServices;

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

    private readonly long[] _counts = new long[Bounds.Length + 1];

    // The kept waits, grouped by bucket, so the percentile only ever looks into one bucket.
    private readonly List<double>[] _kept = [.. Enumerable.Range(0, Bounds.Length + 1).Select(_ => new List<double>())];
    private readonly Random _random = new(seed);
    private int _keptCount;
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
        if (_keptCount < MaxSamples)
        {
            _keptCount++;
        }
        else if (_random.NextInt64(Count) is var slot && slot < MaxSamples)
        {
            // Algorithm R: the n-th wait replaces a kept one, chosen uniformly, with probability MaxSamples / n.
            RemoveKept((int)slot);
        }
        else
        {
            return;
        }

        _kept[bucket].Add(wait);
        _p90 = null;
    }

    private static int BucketOf(double wait)
    {
        var i = Bounds.BinarySearch(wait);
        return i >= 0 ? i : ~i;
    }

    /// <summary>Removes the kept wait at <paramref name="slot"/> counting through the buckets in order (their order inside a bucket does not matter).</summary>
    private void RemoveKept(int slot)
    {
        var bucket = 0;
        while (slot >= _kept[bucket].Count)
        {
            slot -= _kept[bucket++].Count;
        }

        var list = _kept[bucket];
        list[slot] = list[^1];
        list.RemoveAt(list.Count - 1);
    }

    /// <summary>
    /// The value of rank ⌈q·n⌉ among the n kept waits: the bucket sizes say which bucket holds that rank, and a
    /// selection inside that bucket finds it, so a scrape every second stays cheap with a million waits kept.
    /// </summary>
    private double NearestRank(double q)
    {
        if (_keptCount == 0)
        {
            return 0;
        }

        var rank = (long)Math.Min(_keptCount, Math.Ceiling(q * _keptCount));
        var bucket = 0;
        long below = 0;
        while (below + _kept[bucket].Count < rank)
        {
            below += _kept[bucket++].Count;
        }

        return Select(CollectionsMarshal.AsSpan(_kept[bucket]), (int)(rank - below - 1));
    }

    /// <summary>The k-th smallest value (from 0), by Hoare's selection; reorders <paramref name="values"/>.</summary>
    private static double Select(Span<double> values, int k)
    {
        var (lo, hi) = (0, values.Length - 1);
        while (lo < hi)
        {
            var pivot = values[lo + ((hi - lo) / 2)];
            var (i, j) = (lo, hi);
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                break;
            }
        }

        return values[k];
    }
}
