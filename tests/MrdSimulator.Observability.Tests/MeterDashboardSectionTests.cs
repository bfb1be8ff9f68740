using MrdSimulator.Gateway.Observability.Dashboard;
using MrdSimulator.Gateway.Observability.Metrics;

namespace MrdSimulator.Observability.Tests;

public sealed class MeterDashboardSectionTests
{
    private static readonly MeterDashboardSection Section = new("t", "Test", "mrdsim.t.", columns: [("queued", "Queued"), ("rona", "RONA")]);

    [Fact]
    public void InstrumentsTaggedAlikeShareARowPerTagSetWithAColumnPerInstrumentInTheGivenOrder()
    {
        var section = Collect(
            Family("mrdsim.t.offered", MetricKind.Counter, "{task}", Series(5, "mrd", 1), Series(7, "mrd", 2)),
            Family("mrdsim.t.rona", MetricKind.Counter, "{task}", Series(1, "mrd", 2)),
            Family("mrdsim.t.queued", MetricKind.Gauge, "{task}", Series(3, "mrd", 1), Series(0, "mrd", 2)));

        Assert.Equal(["Queued", "RONA", "Offered"], section.Stats.Select(s => s.Label));
        Assert.Equal([3.0, 1, 12], section.Stats.Select(s => s.Value));
        Assert.Equal(["mrd", "Queued", "RONA", "Offered"], section.Table!.Columns);
        Assert.Equal([["1", "3", "–", "5"], ["2", "0", "1", "7"]], section.Table.Rows.Select(r => r.ToArray()));
    }

    [Fact]
    public void RatiosShowInPercentAndStayOutOfTheHeadlineWhenSeveralSeriesCannotBeAdded()
    {
        var several = Collect(Family("mrdsim.t.service_level", MetricKind.Gauge, "1", Series(0.5, "mrd", 1), Series(0.9876, "mrd", 2)));
        var one = Collect(Family("mrdsim.t.service_level", MetricKind.Gauge, "1", Series(0.9876, "mrd", 2)));

        Assert.Empty(several.Stats);
        Assert.Equal([["1", "50 %"], ["2", "98.8 %"]], several.Table!.Rows.Select(r => r.ToArray()));
        Assert.Equal(new DashboardStat("Service level", 98.8, "%"), Assert.Single(one.Stats));
    }

    [Fact]
    public void WaitsOfSecondsShowTheirP95InSecondsAndShortDurationsInMilliseconds()
    {
        var section = Collect(new MetricFamily("mrdsim.t.wait", "m", "s", null, MetricKind.Histogram, [0.5, 10, 20],
            [new MetricSeries([new("mrd", 1)], 0, [0, 0, 10, 0], 150, 10), new MetricSeries([new("mrd", 2)], 0, [4, 0, 0, 0], 0.4, 4)]));

        Assert.Equal(new DashboardStat("Wait p95", 19.3, "s"), section.Stats[1]);
        Assert.Equal([["1", "10", "19.5 s"], ["2", "4", "475 ms"]], section.Table!.Rows.Select(r => r.ToArray()));
    }

    [Fact]
    public void SeriesTaggedDifferentlyKeepARowEach()
    {
        var section = Collect(
            Family("mrdsim.t.injected", MetricKind.Counter, "{fault}", Series(2, "kind", "rest.error")),
            Family("mrdsim.t.sessions", MetricKind.Counter, "{session}", Series(1, "transport", "xmpp")));

        Assert.Equal(["Metric", "Labels", "Value"], section.Table!.Columns);
        Assert.Equal([["Injected", "kind=rest.error", "2"], ["Sessions", "transport=xmpp", "1"]], section.Table.Rows.Select(r => r.ToArray()));
    }

    private static DashboardSection Collect(params MetricFamily[] families) => Section.Collect(new DashboardContext(families))!;

    private static MetricFamily Family(string name, MetricKind kind, string unit, params MetricSeries[] series) =>
        new(name, "m", unit, null, kind, null, series);

    private static MetricSeries Series(double value, string tag, object tagValue) => new([new(tag, tagValue)], value, null, 0, 0);
}
