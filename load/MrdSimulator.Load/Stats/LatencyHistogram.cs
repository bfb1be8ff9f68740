using System.Numerics;

namespace MrdSimulator.Load.Stats;

/// <summary>
/// A log-linear latency histogram in the HdrHistogram style, written for this driver.
/// Values are microseconds from 1 µs to 10 min. The value range is split into power-of-two buckets,
/// each split linearly into <c>subBucketCount</c> slots, so every recorded value is kept with a
/// relative error below 1 / (subBucketCount / 2): 3 significant digits (2048 slots) by default.
/// Recording is lock-free (Interlocked) and allocation-free; histograms with the same layout merge
/// exactly by adding counts, which is how per-interval and per-step figures are combined (percentiles
/// are never averaged).
/// </summary>
public sealed class LatencyHistogram
{
    public const long LowestTrackableMicros = 1;
    public const long HighestTrackableMicros = 600_000_000; // 10 minutes

    private readonly long[] _counts;
    private readonly int _subBucketHalfCountMagnitude;
    private readonly int _subBucketHalfCount;
    private readonly long _subBucketMask;
    private long _totalCount;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;

    public LatencyHistogram(int significantDigits = 3)
    {
        if (significantDigits is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(significantDigits), "significant digits must be 1..5");
        }

        SignificantDigits = significantDigits;
        var largestValueWithSingleUnitResolution = 2 * (long)Math.Pow(10, significantDigits);
        var subBucketCountMagnitude = (int)Math.Ceiling(Math.Log2(largestValueWithSingleUnitResolution));
        _subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
        var subBucketCount = 1 << subBucketCountMagnitude;
        _subBucketHalfCount = subBucketCount / 2;
        _subBucketMask = subBucketCount - 1;

        var smallestUntrackable = (long)subBucketCount;
        var bucketCount = 1;
        while (smallestUntrackable <= HighestTrackableMicros)
        {
            smallestUntrackable <<= 1;
            bucketCount++;
        }

        BucketCount = bucketCount;
        _counts = new long[(bucketCount + 1) * _subBucketHalfCount];
    }

    public int SignificantDigits { get; }

    public int BucketCount { get; }

    public int CountsLength => _counts.Length;

    public long TotalCount => Volatile.Read(ref _totalCount);

    /// <summary>Exact smallest recorded value (µs), or 0 when empty.</summary>
    public long Min => TotalCount == 0 ? 0 : Volatile.Read(ref _min);

    /// <summary>Exact largest recorded value (µs), clamped to the trackable range.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Exact mean of the recorded values (µs).</summary>
    public double Mean => TotalCount == 0 ? 0 : (double)Volatile.Read(ref _sum) / TotalCount;

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }
        else if (micros > HighestTrackableMicros)
        {
            micros = HighestTrackableMicros;
        }

        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _totalCount);
        Interlocked.Add(ref _sum, micros);

        var min = Volatile.Read(ref _min);
        while (micros < min)
        {
            var seen = Interlocked.CompareExchange(ref _min, micros, min);
            if (seen == min)
            {
                break;
            }

            min = seen;
        }

        var max = Volatile.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>Records a value given in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public void RecordTicks(long stopwatchTicks) => Record(TicksToMicros(stopwatchTicks));

    public static long TicksToMicros(long stopwatchTicks) =>
        (long)(stopwatchTicks * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency));

    public long ValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0)
        {
            return 0;
        }

        percentile = Math.Clamp(percentile, 0, 100);
        // Nearest-rank: the smallest value such that at least p% of the samples are <= it.
        var rank = (long)Math.Ceiling(percentile / 100.0 * total - 1e-9);
        rank = Math.Clamp(rank, 1, total);
        long cumulative = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            cumulative += Volatile.Read(ref _counts[i]);
            if (cumulative >= rank)
            {
                var value = HighestEquivalentValue(ValueFromIndex(i));
                var max = Max;
                var min = Min;
                return Math.Clamp(value, min, Math.Max(min, max));
            }
        }

        return Max;
    }

    public double StdDev
    {
        get
        {
            var total = TotalCount;
            if (total == 0)
            {
                return 0;
            }

            var mean = Mean;
            double squares = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                var c = Volatile.Read(ref _counts[i]);
                if (c == 0)
                {
                    continue;
                }

                var d = MedianEquivalentValue(ValueFromIndex(i)) - mean;
                squares += d * d * c;
            }

            return Math.Sqrt(squares / total);
        }
    }

    /// <summary>Adds every count of <paramref name="other"/> (same layout) into this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        EnsureSameLayout(other);
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c != 0)
            {
                Interlocked.Add(ref _counts[i], c);
            }
        }

        Interlocked.Add(ref _totalCount, other.TotalCount);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        if (other.TotalCount > 0)
        {
            _min = Math.Min(_min, other.Min);
            _max = Math.Max(_max, other.Max);
        }
    }

    /// <summary>
    /// Makes this histogram the difference <paramref name="later"/> − <paramref name="earlier"/> of two
    /// snapshots of one cumulative histogram (used for per-interval figures). Min/max become bucket bounds.
    /// </summary>
    public void SetToDifference(LatencyHistogram later, LatencyHistogram earlier)
    {
        EnsureSameLayout(later);
        EnsureSameLayout(earlier);
        long total = 0;
        var first = -1;
        var last = -1;
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Math.Max(0, Volatile.Read(ref later._counts[i]) - earlier._counts[i]);
            _counts[i] = c;
            if (c > 0)
            {
                total += c;
                if (first < 0)
                {
                    first = i;
                }

                last = i;
            }
        }

        _totalCount = total;
        _sum = Math.Max(0, Volatile.Read(ref later._sum) - earlier._sum);
        _min = first < 0 ? long.MaxValue : Math.Max(ValueFromIndex(first), earlier.TotalCount == 0 ? later.Min : 0);
        _max = last < 0 ? 0 : Math.Min(HighestEquivalentValue(ValueFromIndex(last)), later.Max);
    }

    /// <summary>Copies <paramref name="source"/> (same layout) into this histogram, replacing its contents.</summary>
    public void CopyFrom(LatencyHistogram source)
    {
        EnsureSameLayout(source);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = Volatile.Read(ref source._counts[i]);
        }

        _totalCount = source.TotalCount;
        _sum = Volatile.Read(ref source._sum);
        _min = Volatile.Read(ref source._min);
        _max = source.Max;
    }

    public LatencyHistogram Clone()
    {
        var copy = new LatencyHistogram(SignificantDigits);
        copy.CopyFrom(this);
        return copy;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _totalCount = 0;
        _sum = 0;
        _min = long.MaxValue;
        _max = 0;
    }

    /// <summary>Non-empty buckets as (highest equivalent value µs, count), in value order.</summary>
    public IEnumerable<(long UpperMicros, long Count)> Buckets()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref _counts[i]);
            if (c != 0)
            {
                yield return (HighestEquivalentValue(ValueFromIndex(i)), c);
            }
        }
    }

    internal int IndexOf(long value)
    {
        var pow2Ceiling = 64 - BitOperations.LeadingZeroCount((ulong)(value | _subBucketMask));
        var bucketIndex = pow2Ceiling - (_subBucketHalfCountMagnitude + 1);
        var subBucketIndex = (int)(value >> bucketIndex);
        return ((bucketIndex + 1) << _subBucketHalfCountMagnitude) + (subBucketIndex - _subBucketHalfCount);
    }

    internal long ValueFromIndex(int index)
    {
        var bucketIndex = (index >> _subBucketHalfCountMagnitude) - 1;
        var subBucketIndex = (index & (_subBucketHalfCount - 1)) + _subBucketHalfCount;
        if (bucketIndex < 0)
        {
            subBucketIndex -= _subBucketHalfCount;
            bucketIndex = 0;
        }

        return (long)subBucketIndex << bucketIndex;
    }

    internal long HighestEquivalentValue(long value)
    {
        var index = IndexOf(value);
        var bucketIndex = (index >> _subBucketHalfCountMagnitude) - 1;
        var size = bucketIndex <= 0 ? 1L : 1L << bucketIndex;
        return ValueFromIndex(index) + size - 1;
    }

    private double MedianEquivalentValue(long lowest)
    {
        var highest = HighestEquivalentValue(lowest);
        return (lowest + highest) / 2.0;
    }

    private void EnsureSameLayout(LatencyHistogram other)
    {
        if (other._counts.Length != _counts.Length || other.SignificantDigits != SignificantDigits)
        {
            throw new ArgumentException("histograms have different layouts", nameof(other));
        }
    }
}
