using System.Text;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>
/// Writes collected metrics in the Prometheus text exposition format 0.0.4, naming them the way
/// OpenTelemetry's Prometheus compatibility rules do: dots and other invalid characters become '_', the
/// unit becomes a suffix (s → _seconds, By → _bytes, annotations like {agent} dropped), monotonic counters
/// end in _total, histograms expand to _bucket{le}/_sum/_count. Prometheus wants base units (promtool flags anything
/// else), so instruments in milliseconds or mebibytes (Orleans' own) are written in seconds and bytes.
/// </summary>
public static class PrometheusFormatter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder(8192);
        // Two instruments that map to one name (the same meter in two scopes) become one family.
        var merged = new Dictionary<string, (MetricFamily Family, string Type, List<MetricSeries> Series)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var original in families)
        {
            var family = InBaseUnit(original);
            var name = MetricName(family);
            var type = family.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            };
            if (merged.TryGetValue(name, out var existing))
            {
                if (existing.Type == type && (family.Bounds ?? []).SequenceEqual(existing.Family.Bounds ?? []))
                {
                    existing.Series.AddRange(family.Series);
                }

                continue;
            }

            merged[name] = (family, type, [.. family.Series]);
            order.Add(name);
        }

        foreach (var name in order)
        {
            var (family, type, series) = merged[name];
            if (series.Count == 0)
            {
                continue;
            }

            text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(string.IsNullOrWhiteSpace(family.Description) ? family.Name : family.Description)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, s) in MergeSeries(series))
            {
                if (family.Kind == MetricKind.Histogram)
                {
                    WriteHistogram(text, name, labels, family.Bounds!, s);
                }
                else
                {
                    WriteSample(text, name, labels, null, MetricText.Format(s.Value));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The Prometheus metric family name of an instrument.</summary>
    public static string MetricName(MetricFamily family)
    {
        var name = SanitizeMetricName(family.Name);
        var unit = UnitSuffix(family.Unit, family.Kind);
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        // _count/_sum/_bucket belong to histograms; a gauge named dotnet.timer.count would read as one (promtool rejects it).
        if (family.Kind != MetricKind.Histogram && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            name += "_value";
        }

        if (family.Kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*, with runs of replaced characters collapsed to one '_'.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*; names starting "__" are reserved by Prometheus, so they get a "key" prefix.</summary>
    public static string SanitizeLabelName(string name)
    {
        var label = Sanitize(name, allowColon: false);
        return label.StartsWith("__", StringComparison.Ordinal) ? "key" + label : label;
    }

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP text escapes backslash and line feed.</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>The family in seconds or bytes when its unit is a multiple of one (values, sums and bucket bounds scaled).</summary>
    public static MetricFamily InBaseUnit(MetricFamily family)
    {
        var (factor, unit) = family.Unit switch
        {
            "ms" => (0.001, "s"),
            "us" => (0.000_001, "s"),
            "ns" => (0.000_000_001, "s"),
            "KiBy" => (1024.0, "By"),
            "MiBy" or "MB" => (1024.0 * 1024, "By"),
            _ => (1.0, family.Unit),
        };
        if (factor == 1.0)
        {
            return family;
        }

        // Orleans also spells the unit into some names (orleans-runtime-available-memory-MB): drop it, the suffix says it.
        var name = family.Unit is { } original && family.Name.EndsWith("-" + original, StringComparison.Ordinal) ? family.Name[..^(original.Length + 1)] : family.Name;
        return family with
        {
            Name = name,
            Unit = unit,
            Bounds = family.Bounds?.Select(b => b * factor).ToList(),
            Series = [.. family.Series.Select(x => x with { Value = x.Value * factor, Sum = x.Sum * factor })],
        };
    }

    private static string UnitSuffix(string? unit, MetricKind kind)
    {
        if (string.IsNullOrEmpty(unit) || unit.StartsWith('{'))
        {
            return string.Empty;
        }

        return unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "min" => "minutes",
            "h" => "hours",
            "d" => "days",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "%" => "percent",
            "1" => kind == MetricKind.Gauge ? "ratio" : string.Empty,
            _ => Sanitize(unit.Replace("/", "_per_", StringComparison.Ordinal), allowColon: false).Trim('_'),
        };
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var valid = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' || (allowColon && c == ':');
            if (valid)
            {
                text.Append(c);
            }
            else if (text.Length == 0 || text[^1] != '_')
            {
                text.Append('_');
            }
        }

        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, '_');
        }

        return text.ToString();
    }

    /// <summary>Sanitised labels per series; series whose labels coincide are added together, as duplicates are invalid.</summary>
    private static IEnumerable<(string Labels, MetricSeries Series)> MergeSeries(List<MetricSeries> series)
    {
        var byLabels = new Dictionary<string, MetricSeries>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var s in series)
        {
            var labels = Labels(s.Tags);
            if (byLabels.TryGetValue(labels, out var existing))
            {
                byLabels[labels] = existing with
                {
                    Value = existing.Value + s.Value,
                    Sum = existing.Sum + s.Sum,
                    Count = existing.Count + s.Count,
                    Buckets = existing.Buckets is null || s.Buckets is null ? existing.Buckets : [.. existing.Buckets.Zip(s.Buckets, (a, b) => a + b)],
                };
            }
            else
            {
                byLabels[labels] = s;
                order.Add(labels);
            }
        }

        return order.Select(l => (l, byLabels[l]));
    }

    private static string Labels(IReadOnlyList<KeyValuePair<string, object?>> tags)
    {
        if (tags.Count == 0)
        {
            return string.Empty;
        }

        // Two tags that sanitise to one label name share it, values joined with ';' (OpenTelemetry's rule).
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var name = SanitizeLabelName(tag.Key);
            var value = MetricText.Format(tag.Value);
            labels[name] = labels.TryGetValue(name, out var previous) ? previous + ";" + value : value;
        }

        var text = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            text.Append(text.Length == 0 ? string.Empty : ",").Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }

        return text.ToString();
    }

    private static void WriteHistogram(StringBuilder text, string name, string labels, IReadOnlyList<double> bounds, MetricSeries series)
    {
        var cumulative = 0L;
        for (var i = 0; i < bounds.Count; i++)
        {
            cumulative += series.Buckets![i];
            WriteSample(text, name + "_bucket", labels, MetricText.Format(bounds[i]), cumulative.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        WriteSample(text, name + "_bucket", labels, "+Inf", series.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WriteSample(text, name + "_sum", labels, null, MetricText.Format(series.Sum));
        WriteSample(text, name + "_count", labels, null, series.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void WriteSample(StringBuilder text, string name, string labels, string? le, string value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? ",le=\"" : "le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(value).Append('\n');
    }
}
