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

    /// <summary>
    /// The sections other features light up just by creating instruments named by convention (meter
    /// <c>MrdSimulator.*</c>): <c>mrdsim.xmpp.*</c>, <c>mrdsim.tasks.*</c>, <c>mrdsim.chaos.*</c>.
    /// </summary>
    internal static IServiceCollection AddConventionalSections(this IServiceCollection services) => services
        .AddDashboardSection(new MeterDashboardSection("xmpp", "XMPP sessions", "mrdsim.xmpp.", 10))
        .AddDashboardSection(new MeterDashboardSection("tasks", "Task queues", "mrdsim.tasks.", 20))
        .AddDashboardSection(new MeterDashboardSection("faults", "Active faults", "mrdsim.chaos.", 30));
}

/// <summary>
/// A section made of every instrument whose name starts with a prefix: one stat per instrument (total over
/// its series; for a histogram its count and p95), and a row per tagged series. Hidden while none of those
/// instruments has a value.
/// </summary>
public sealed class MeterDashboardSection(string id, string title, string instrumentPrefix, int order = 100) : IDashboardSection
{
    public string Id => id;

    public DashboardSection? Collect(DashboardContext context)
    {
        var families = context.Metrics.Where(m => m.Name.StartsWith(instrumentPrefix, StringComparison.Ordinal) && m.Series.Count > 0).ToList();
        if (families.Count == 0)
        {
            return null;
        }

        var stats = new List<DashboardStat>();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var family in families)
        {
            var label = Humanize(family.Name[instrumentPrefix.Length..]);
            if (family.Kind == MetricKind.Histogram)
            {
                var merged = Percentiles.Merge(family.Series.Select(s => s.Buckets!));
                stats.Add(new DashboardStat(label + " (count)", family.Total));
                if (Percentiles.Quantile(0.95, family.Bounds!, merged) is { } p95)
                {
                    stats.Add(new DashboardStat(label + " p95", ScaleValue(p95, family.Unit, out var unit), unit));
                }
            }
            else
            {
                stats.Add(new DashboardStat(label, family.Total, family.Unit is { Length: > 0 } u && !u.StartsWith('{') ? u : null));
            }

            foreach (var series in family.Series.Where(s => s.Tags.Count > 0))
            {
                var tags = string.Join(", ", series.Tags.Select(t => $"{t.Key}={MetricText.Format(t.Value)}"));
                var value = family.Kind == MetricKind.Histogram ? series.Count : series.Value;
                rows.Add([label, tags, MetricText.Format(value)]);
            }
        }

        return new DashboardSection(id, title, stats, rows.Count > 0 ? new DashboardTable(["Metric", "Labels", "Value"], rows) : null, order);
    }

    private static double ScaleValue(double value, string? unit, out string? shown)
    {
        if (unit == "s")
        {
            shown = "ms";
            return Math.Round(value * 1000, 3);
        }

        shown = unit;
        return value;
    }

    private static string Humanize(string name)
    {
        var words = name.Replace('.', ' ').Replace('_', ' ').Trim();
        return words.Length == 0 ? name : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
