namespace MrdSimulator.Gateway.Observability.Dashboard;

/// <summary>Quantiles from explicit-bucket histograms, interpolated inside a bucket the way PromQL's histogram_quantile is.</summary>
public static class Percentiles
{
    /// <param name="counts">Per-bucket counts, one more than <paramref name="bounds"/> (the overflow bucket).</param>
    public static double? Quantile(double q, IReadOnlyList<double> bounds, IReadOnlyList<long> counts)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (total == 0 || bounds.Count == 0)
        {
            return null;
        }

        var rank = q * total;
        long below = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] > 0 && below + counts[i] >= rank)
            {
                if (i >= bounds.Count)
                {
                    // Above the last bound: the last bound is all a histogram can say.
                    return bounds[^1];
                }

                var lower = i == 0 ? Math.Min(0, bounds[0]) : bounds[i - 1];
                return lower + ((bounds[i] - lower) * (rank - below) / counts[i]);
            }

            below += counts[i];
        }

        return bounds[^1];
    }

    public static long[] Merge(IEnumerable<IReadOnlyList<long>> histograms)
    {
        long[]? sum = null;
        foreach (var h in histograms)
        {
            sum ??= new long[h.Count];
            for (var i = 0; i < h.Count && i < sum.Length; i++)
            {
                sum[i] += h[i];
            }
        }

        return sum ?? [];
    }

    public static long[] Subtract(IReadOnlyList<long> now, IReadOnlyList<long>? before)
    {
        var delta = new long[now.Count];
        for (var i = 0; i < now.Count; i++)
        {
            delta[i] = now[i] - (before is not null && i < before.Count ? before[i] : 0);
        }

        return delta;
    }
}
