using System.Globalization;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// A histogram assembled from two observable counters, for a distribution kept somewhere else (a statistics grain):
/// .NET has no observable histogram. <paramref name="BucketsInstrument"/> reports cumulative counts per upper bound
/// under the tag <c>le</c> (<c>"+Inf"</c> included), <paramref name="SumInstrument"/> the sum of the observations,
/// both with the same other tags. OTLP exports the two counters as they are; <see cref="MetricCollector"/> (and so
/// <c>/metrics</c> and the dashboard) turns them into one histogram named <paramref name="Name"/>.
/// </summary>
public sealed record HistogramView(string Name, string BucketsInstrument, string SumInstrument, string Unit, string Description)
{
    public const string BoundTag = "le";

    /// <summary>The <c>le</c> tag value of an upper bound, as Prometheus writes it.</summary>
    public static string BoundText(double bound) => MetricText.Format(bound);

    /// <summary>Replaces the two counter families in <paramref name="families"/> with the histogram, when they are there.</summary>
    public void Apply(List<MetricFamily> families)
    {
        var index = families.FindIndex(f => f.Name == BucketsInstrument);
        if (index < 0)
        {
            return;
        }

        var buckets = families[index];
        var sums = families.Find(f => f.Name == SumInstrument);
        var bounds = buckets.Series.Select(Bound).Where(double.IsFinite).Distinct().Order().ToArray();
        var series = new List<MetricSeries>();
        foreach (var group in buckets.Series.GroupBy(s => Key(s.Tags), StringComparer.Ordinal))
        {
            // Cumulative count at each bound, the last for +Inf; a bound the group lacks has the count below it.
            var cumulative = new long?[bounds.Length + 1];
            foreach (var s in group)
            {
                var bound = Bound(s);
                var at = double.IsPositiveInfinity(bound) ? bounds.Length : Array.BinarySearch(bounds, bound);
                if (at >= 0)
                {
                    cumulative[at] = (long)s.Value;
                }
            }

            var counts = new long[bounds.Length + 1];
            long below = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                var upTo = Math.Max(below, cumulative[i] ?? below);
                counts[i] = upTo - below;
                below = upTo;
            }

            var key = group.Key;
            var sum = sums?.Series.FirstOrDefault(s => Key(s.Tags) == key)?.Value ?? 0;
            series.Add(new MetricSeries([.. group.First().Tags.Where(t => t.Key != BoundTag)], 0, counts, sum, below));
        }

        families[index] = new MetricFamily(Name, buckets.MeterName, Unit, Description, MetricKind.Histogram, bounds, series);
        if (sums is not null)
        {
            families.Remove(sums);
        }
    }

    private static double Bound(MetricSeries series) => series.Tag(BoundTag) switch
    {
        "+Inf" => double.PositiveInfinity,
        { } text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) => bound,
        _ => double.NaN,
    };

    private static string Key(IReadOnlyList<KeyValuePair<string, object?>> tags) =>
        string.Join('\n', tags.Where(t => t.Key != BoundTag).Select(t => t.Key + "=" + MetricText.Format(t.Value)).Order(StringComparer.Ordinal));
}
