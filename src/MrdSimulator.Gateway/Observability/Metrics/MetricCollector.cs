using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Our bridge from .NET meters to the Prometheus endpoint and the dashboard: one <see cref="MeterListener"/>
/// that aggregates the selected meters' measurements in memory (cumulative sums, last values, explicit-bucket
/// histograms, one series per tag set). Recording takes one short lock per instrument; everything else
/// (formatting, percentiles) happens at collection time.
/// </summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregate> _instruments = new();
    private readonly Func<Meter, bool> _acceptMeter;
    private readonly Func<Instrument, IReadOnlyList<double>?> _bucketsFor;
    private readonly IReadOnlyList<HistogramView> _views;
    private readonly Lock _collecting = new();

    /// <param name="acceptMeter">Which meters to listen to.</param>
    /// <param name="bucketsFor">Histogram bounds for an instrument; null falls back to the instrument's advice, then to defaults.</param>
    /// <param name="views">Histograms to assemble from observable counters.</param>
    public MetricCollector(Func<Meter, bool> acceptMeter, Func<Instrument, IReadOnlyList<double>?>? bucketsFor = null, IReadOnlyList<HistogramView>? views = null)
    {
        _acceptMeter = acceptMeter;
        _bucketsFor = bucketsFor ?? (_ => null);
        _views = views ?? [];
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentAggregate? _);
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((InstrumentAggregate)state!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>Default bounds for second-valued histograms without advice: 50 µs to 10 s.</summary>
    public static IReadOnlyList<double> SecondsBuckets { get; } =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>OpenTelemetry's default explicit bounds, for histograms in other units.</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    /// <summary>
    /// Current values of every instrument. <paramref name="observe"/> also runs the observable instruments'
    /// callbacks (gauges such as the agent census); the dashboard's once-a-second sampler skips them.
    /// </summary>
    public IReadOnlyList<MetricFamily> Collect(bool observe = true)
    {
        lock (_collecting)
        {
            if (observe)
            {
                foreach (var aggregate in _instruments.Values)
                {
                    if (aggregate.Observable)
                    {
                        aggregate.BeginObservation();
                    }
                }

                _listener.RecordObservableInstruments();
            }

            var families = new List<MetricFamily>(_instruments.Count);
            foreach (var aggregate in _instruments.Values)
            {
                if (!aggregate.Observable || observe)
                {
                    families.Add(aggregate.Snapshot());
                }
            }

            foreach (var view in _views)
            {
                view.Apply(families);
            }

            families.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return families;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_acceptMeter(instrument.Meter))
        {
            return;
        }

        var kind = KindOf(instrument);
        if (kind is null)
        {
            return;
        }

        var bounds = kind == MetricKind.Histogram ? BoundsFor(instrument) : null;
        var aggregate = new InstrumentAggregate(instrument, kind.Value, bounds);
        _instruments[instrument] = aggregate;
        listener.EnableMeasurementEvents(instrument, aggregate);
    }

    private double[] BoundsFor(Instrument instrument)
    {
        var bounds = _bucketsFor(instrument) ?? AdviceOf(instrument) ?? (instrument.Unit == "s" ? SecondsBuckets : DefaultBuckets);
        return [.. bounds.Where(b => !double.IsNaN(b) && !double.IsInfinity(b)).Distinct().Order()];
    }

    private static IReadOnlyList<double>? AdviceOf(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
        _ => null,
    };

    private static MetricKind? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition switch
        {
            _ when definition == typeof(Counter<>) => MetricKind.Counter,
            _ when definition == typeof(ObservableCounter<>) => MetricKind.Counter,
            _ when definition == typeof(UpDownCounter<>) => MetricKind.UpDownCounter,
            _ when definition == typeof(ObservableUpDownCounter<>) => MetricKind.Gauge,
            _ when definition == typeof(ObservableGauge<>) => MetricKind.Gauge,
            _ when definition == typeof(Gauge<>) => MetricKind.Gauge,
            _ when definition == typeof(Histogram<>) => MetricKind.Histogram,
            _ => null,
        };
    }

    /// <summary>The running aggregation of one instrument.</summary>
    private sealed class InstrumentAggregate(Instrument instrument, MetricKind kind, double[]? bounds)
    {
        private readonly Lock _gate = new();

        // Series by an order-independent hash of their tags; collisions share a small list.
        private readonly Dictionary<int, List<Series>> _series = [];
        private Series? _untagged;

        public bool Observable { get; } = instrument.IsObservable;

        public void BeginObservation()
        {
            lock (_gate)
            {
                _untagged?.Observed = false;
                foreach (var list in _series.Values)
                {
                    list.ForEach(static s => s.Observed = false);
                }
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_gate)
            {
                var series = tags.IsEmpty ? _untagged ??= new Series([], bounds) : Find(tags);
                series.Observed = true;
                switch (kind)
                {
                    case MetricKind.Histogram:
                        series.Count++;
                        series.Sum += value;
                        series.Buckets![BucketOf(value)]++;
                        break;
                    case MetricKind.Counter or MetricKind.UpDownCounter when !Observable:
                        series.Value += value;
                        break;
                    default:
                        // Observable counters report their cumulative value; gauges their current one.
                        series.Value = value;
                        break;
                }
            }
        }

        public MetricFamily Snapshot()
        {
            var series = new List<MetricSeries>();
            lock (_gate)
            {
                if (_untagged is { } u)
                {
                    Add(u);
                }

                foreach (var list in _series.Values)
                {
                    list.ForEach(Add);
                }
            }

            return new MetricFamily(instrument.Name, instrument.Meter.Name, instrument.Unit, instrument.Description, kind, bounds, series);

            void Add(Series s)
            {
                if (!Observable || s.Observed)
                {
                    series.Add(new MetricSeries(s.Tags, s.Value, s.Buckets is null ? null : [.. s.Buckets], s.Sum, s.Count));
                }
            }
        }

        private int BucketOf(double value)
        {
            // Upper bounds are inclusive (Prometheus "le"): the first bound >= value.
            var b = bounds!;
            var i = Array.BinarySearch(b, value);
            return i >= 0 ? i : ~i;
        }

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var hash = 0;
            foreach (var tag in tags)
            {
                hash += HashCode.Combine(tag.Key, tag.Value);
            }

            if (_series.TryGetValue(hash, out var candidates))
            {
                foreach (var candidate in candidates)
                {
                    if (candidate.Matches(tags))
                    {
                        return candidate;
                    }
                }
            }
            else
            {
                candidates = [];
                _series[hash] = candidates;
            }

            var created = new Series(tags.ToArray(), bounds);
            candidates.Add(created);
            return created;
        }
    }

    private sealed class Series(KeyValuePair<string, object?>[] tags, double[]? bounds)
    {
        public KeyValuePair<string, object?>[] Tags { get; } = tags;

        public long[]? Buckets { get; } = bounds is null ? null : new long[bounds.Length + 1];

        public double Value { get; set; }

        public double Sum { get; set; }

        public long Count { get; set; }

        public bool Observed { get; set; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != Tags.Length)
            {
                return false;
            }

            foreach (var tag in tags)
            {
                var found = false;
                foreach (var mine in Tags)
                {
                    if (mine.Key == tag.Key)
                    {
                        found = Equals(mine.Value, tag.Value);
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

public enum MetricKind
{
    Counter,
    UpDownCounter,
    Gauge,
    Histogram,
}

/// <summary>One instrument's values at collection time.</summary>
/// <param name="Bounds">Histogram upper bounds, ascending, without +Inf.</param>
public sealed record MetricFamily(
    string Name,
    string MeterName,
    string? Unit,
    string? Description,
    MetricKind Kind,
    IReadOnlyList<double>? Bounds,
    IReadOnlyList<MetricSeries> Series)
{
    /// <summary>The sum over all series (counters, gauges) or the total count (histograms).</summary>
    public double Total => Kind == MetricKind.Histogram ? Series.Sum(s => (double)s.Count) : Series.Sum(s => s.Value);
}

/// <summary>One tag set of an instrument.</summary>
/// <param name="Buckets">Per-bucket (not cumulative) counts; the last one is the +Inf overflow.</param>
public sealed record MetricSeries(
    IReadOnlyList<KeyValuePair<string, object?>> Tags,
    double Value,
    IReadOnlyList<long>? Buckets,
    double Sum,
    long Count)
{
    public string? Tag(string key)
    {
        foreach (var tag in Tags)
        {
            if (tag.Key == key)
            {
                return MetricText.Format(tag.Value);
            }
        }

        return null;
    }
}
