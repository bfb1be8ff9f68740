using MrdSimulator.Gateway.Observability.Metrics;

namespace MrdSimulator.Gateway.Observability.Dashboard;

/// <summary>
/// A block of the dashboard contributed by a feature (XMPP, tasks, chaos…). Register it with
/// <see cref="DashboardSectionRegistration.AddDashboardSection{TSection}"/>; the page shows it only while
/// <see cref="Collect"/> returns something. What it returns is served without authentication on the
/// operational listener: counts and names of things, never user ids, passwords, tokens or message bodies.
/// </summary>
public interface IDashboardSection
{
    /// <summary>Stable id, used in the page's element ids (letters, digits, '-').</summary>
    string Id { get; }

    /// <summary>Called for every snapshot (about once a second per open dashboard); null hides the section.</summary>
    DashboardSection? Collect(DashboardContext context);
}

/// <summary>What a section may read: the collected metrics of this snapshot.</summary>
public sealed record DashboardContext(IReadOnlyList<MetricFamily> Metrics)
{
    public MetricFamily? Find(string instrumentName) => Metrics.FirstOrDefault(m => m.Name == instrumentName);
}

/// <param name="Stats">Headline numbers; the page keeps a sparkline of each while it is open.</param>
/// <param name="Table">Optional detail rows (per queue, per fault…).</param>
public sealed record DashboardSection(string Id, string Title, IReadOnlyList<DashboardStat> Stats, DashboardTable? Table = null, int Order = 100);

public sealed record DashboardStat(string Label, double Value, string? Unit = null);

public sealed record DashboardTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

public static class DashboardSectionRegistration
{
    public static IServiceCollection AddDashboardSection<TSection>(this IServiceCollection services)
        where TSection : class, IDashboardSection =>
        services.AddSingleton<IDashboardSection, TSection>();

    public static IServiceCollection AddDashboardSection(this IServiceCollection services, IDashboardSection section) =>
        services.AddSingleton(section);

    /// <summary>How the task census's instruments (<see cref="TaskCensus"/>) read on the page: queue first, then flow, then quality.</summary>
    private static readonly (string Name, string Label)[] TaskColumns =
    [
        ("queued", "Queued"), ("submitted", "Submitted"), ("offered", "Offered"), ("handled", "Handled"), ("abandoned", "Abandoned"),
        ("expired", "Expired"), ("rona", "RONA"), ("wait", "Wait"), ("service_level", "Service level"), ("occupancy", "Occupancy"),
        ("time_distortion", "Time distortion"),
    ];

    /// <summary>
    /// The sections other features light up just by creating instruments named by convention (meter
    /// <c>MrdSimulator.*</c>): <c>mrdsim.xmpp.*</c>, <c>mrdsim.tasks.*</c>, <c>mrdsim.chaos.*</c>.
    /// </summary>
    internal static IServiceCollection AddConventionalSections(this IServiceCollection services) => services
        .AddDashboardSection(new MeterDashboardSection("xmpp", "XMPP sessions", "mrdsim.xmpp.", 10))
        .AddDashboardSection(new MeterDashboardSection("tasks", "Task queues", "mrdsim.tasks.", 20, TaskColumns))
        .AddDashboardSection(new MeterDashboardSection("faults", "Active faults", "mrdsim.chaos.", 30));
}

/// <summary>
/// A section made of every instrument whose name starts with a prefix: one stat per instrument (total over
/// its series; for a histogram its count and p95; a ratio, unit "1", in percent and only when it has one series,
/// since ratios of several series do not add up), and the tagged series in a table: one row per tag set and a
/// column per instrument when every series has the same tag names (per MRD, per kind…), otherwise a row per
/// series. Hidden while none of those instruments has a value.
/// </summary>
/// <param name="columns">Instrument names after the prefix, in the order to show them, with their labels; others follow by name.</param>
public sealed class MeterDashboardSection(
    string id, string title, string instrumentPrefix, int order = 100, IReadOnlyList<(string Name, string Label)>? columns = null) : IDashboardSection
{
    private readonly IReadOnlyList<(string Name, string Label)> _columns = columns ?? [];

    public string Id => id;

    public DashboardSection? Collect(DashboardContext context)
    {
        var families = context.Metrics
            .Where(m => m.Name.StartsWith(instrumentPrefix, StringComparison.Ordinal) && m.Series.Count > 0)
            .OrderBy(m => Position(m.Name))
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        if (families.Count == 0)
        {
            return null;
        }

        var stats = new List<DashboardStat>();
        foreach (var family in families)
        {
            var label = Label(family);
            if (family.Kind == MetricKind.Histogram)
            {
                stats.Add(new DashboardStat(label + " (count)", family.Total));
                if (P95(family, family.Series) is { } p95)
                {
                    stats.Add(new DashboardStat(label + " p95", ScaleValue(p95, family.Unit, out var unit), unit));
                }
            }
            else if (IsRatio(family))
            {
                if (family.Series.Count == 1)
                {
                    stats.Add(new DashboardStat(label, Percent(family.Series[0].Value), "%"));
                }
            }
            else
            {
                stats.Add(new DashboardStat(label, family.Total, family.Unit is { Length: > 0 } u && !u.StartsWith('{') ? u : null));
            }
        }

        var table = PerTagSet(families) ?? PerSeries(families);
        return new DashboardSection(id, title, stats, table.Rows.Count > 0 ? table : null, order);
    }

    /// <summary>One row per tag set, a column per tagged instrument; null unless every tagged series has the same tag names.</summary>
    private DashboardTable? PerTagSet(List<MetricFamily> families)
    {
        families = [.. families.Where(f => f.Series.Any(s => s.Tags.Count > 0))];
        var tagged = families.SelectMany(f => f.Series).Where(s => s.Tags.Count > 0).ToList();
        var names = tagged.Select(s => string.Join(',', s.Tags.Select(t => t.Key).Order(StringComparer.Ordinal))).Distinct().ToList();
        if (names.Count != 1)
        {
            return null;
        }

        var keys = names[0].Split(',');
        var header = new List<string>(keys);
        foreach (var family in families)
        {
            header.AddRange(family.Kind == MetricKind.Histogram ? [Label(family) + " (count)", Label(family) + " p95"] : [Label(family)]);
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var values in tagged.Select(s => keys.Select(k => s.Tag(k) ?? string.Empty).ToArray()).DistinctBy(v => string.Join('\n', v)).OrderBy(v => string.Join('\n', v), StringComparer.Ordinal))
        {
            var row = new List<string>(values);
            foreach (var family in families)
            {
                var series = family.Series.Where(s => keys.Select(k => s.Tag(k) ?? string.Empty).SequenceEqual(values)).ToList();
                if (family.Kind == MetricKind.Histogram)
                {
                    row.Add(series.Count == 0 ? "–" : MetricText.Format(series.Sum(s => s.Count)));
                    row.Add(P95(family, series) is { } p95 ? WithUnit(ScaleValue(p95, family.Unit, out var unit), unit) : "–");
                }
                else
                {
                    row.Add(series.Count == 0 ? "–" : IsRatio(family) ? WithUnit(Percent(series[0].Value), "%") : MetricText.Format(series.Sum(s => s.Value)));
                }
            }

            rows.Add(row);
        }

        return new DashboardTable(header, rows);
    }

    private DashboardTable PerSeries(List<MetricFamily> families)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var family in families)
        {
            foreach (var series in family.Series.Where(s => s.Tags.Count > 0))
            {
                var tags = string.Join(", ", series.Tags.Select(t => $"{t.Key}={MetricText.Format(t.Value)}"));
                var value = family.Kind == MetricKind.Histogram ? series.Count : series.Value;
                rows.Add([Label(family), tags, MetricText.Format(value)]);
            }
        }

        return new DashboardTable(["Metric", "Labels", "Value"], rows);
    }

    private int Position(string name)
    {
        for (var i = 0; i < _columns.Count; i++)
        {
            if (name == instrumentPrefix + _columns[i].Name)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private string Label(MetricFamily family)
    {
        var name = family.Name[instrumentPrefix.Length..];
        return _columns.FirstOrDefault(c => c.Name == name).Label ?? Humanize(name);
    }

    private static bool IsRatio(MetricFamily family) => family.Unit == "1" && family.Kind == MetricKind.Gauge;

    private static double Percent(double ratio) => Math.Round(ratio * 100, 1);

    private static double? P95(MetricFamily family, IEnumerable<MetricSeries> series) =>
        Percentiles.Quantile(0.95, family.Bounds!, Percentiles.Merge(series.Select(s => s.Buckets!)));

    private static string WithUnit(double value, string? unit) => unit is null ? MetricText.Format(value) : MetricText.Format(value) + " " + unit;

    /// <summary>Durations under a second in milliseconds (request latencies), longer ones in seconds (queue waits).</summary>
    private static double ScaleValue(double value, string? unit, out string? shown)
    {
        if (unit == "s" && value < 1)
        {
            shown = "ms";
            return Math.Round(value * 1000, 3);
        }

        shown = unit;
        return unit == "s" ? Math.Round(value, 3) : value;
    }

    private static string Humanize(string name)
    {
        var words = name.Replace('.', ' ').Replace('_', ' ').Trim();
        return words.Length == 0 ? name : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
