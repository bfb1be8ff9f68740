using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using MrdSimulator.Gateway.Observability.Metrics;

namespace MrdSimulator.Observability.Tests;

public sealed partial class PrometheusFormatTests : IDisposable
{
    private readonly string _meterName = "Test.Prometheus." + Guid.NewGuid().ToString("N");
    private readonly Meter _meter;
    private readonly MetricCollector _collector;

    public PrometheusFormatTests()
    {
        _meter = new Meter(_meterName);
        _collector = new MetricCollector(m => m.Name == _meterName);
    }

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void CountersGetSanitisedNamesAndTheTotalSuffix()
    {
        _meter.CreateCounter<long>("mrdsim.test-requests/served", description: "Requests served").Add(3);
        _meter.CreateCounter<double>("1st.counter_total").Add(1.5);

        var text = Write();

        Assert.Contains("# HELP mrdsim_test_requests_served_total Requests served\n", text);
        Assert.Contains("# TYPE mrdsim_test_requests_served_total counter\n", text);
        Assert.Contains("\nmrdsim_test_requests_served_total 3\n", text);
        Assert.Contains("# TYPE _1st_counter_total counter\n", text);
        Assert.Contains("\n_1st_counter_total 1.5\n", text);
        AssertWellFormed(text);
    }

    [Fact]
    public void UnitsBecomeSuffixesAndAnnotationsAreDropped()
    {
        _meter.CreateHistogram<double>("mrdsim.wait", unit: "s").Record(0.2);
        _meter.CreateUpDownCounter<long>("mrdsim.queue.bytes.used", unit: "By").Add(10);
        _meter.CreateObservableGauge("mrdsim.sessions", () => 4, unit: "{session}");

        var text = Write();

        Assert.Contains("# TYPE mrdsim_wait_seconds histogram\n", text);
        Assert.Contains("# TYPE mrdsim_queue_bytes_used_bytes gauge\n", text);
        Assert.Contains("\nmrdsim_sessions 4\n", text);
    }

    [Fact]
    public void LabelValuesEscapeBackslashQuoteAndNewline()
    {
        _meter.CreateCounter<long>("mrdsim.escapes").Add(1, new KeyValuePair<string, object?>("path", "a\\b\"c\nd"));

        var text = Write();

        Assert.Contains("mrdsim_escapes_total{path=\"a\\\\b\\\"c\\nd\"} 1\n", text);
        AssertWellFormed(text);
    }

    [Fact]
    public void HelpTextEscapesBackslashAndNewline()
    {
        _meter.CreateCounter<long>("mrdsim.help", description: "line one\nback\\slash").Add(1);

        Assert.Contains("# HELP mrdsim_help_total line one\\nback\\\\slash\n", Write());
    }

    [Fact]
    public void LabelNamesAreSanitisedAndReservedPrefixesAvoided()
    {
        _meter.CreateCounter<long>("mrdsim.labels").Add(1, new("http.route", "/x"), new("__internal", "y"), new("9lives", 9));

        var text = Write();

        Assert.Contains("mrdsim_labels_total{_9lives=\"9\",http_route=\"/x\",key__internal=\"y\"} 1\n", text);
        AssertWellFormed(text);
    }

    [Fact]
    public void SeriesWithTheSameTagsInAnotherOrderAreOneSeries()
    {
        var counter = _meter.CreateCounter<long>("mrdsim.order");
        counter.Add(1, new("a", "1"), new("b", "2"));
        counter.Add(2, new("b", "2"), new("a", "1"));
        counter.Add(5, new("a", "1"), new("b", "3"));

        var text = Write();

        Assert.Contains("mrdsim_order_total{a=\"1\",b=\"2\"} 3\n", text);
        Assert.Contains("mrdsim_order_total{a=\"1\",b=\"3\"} 5\n", text);
    }

    [Fact]
    public void HistogramsHaveCumulativeBucketsWithInfEqualToCountThenSumAndCount()
    {
        var histogram = _meter.CreateHistogram("mrdsim.turn", unit: "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1] });
        foreach (var v in new[] { 0.0005, 0.001, 0.005, 0.05, 0.5, 2 })
        {
            histogram.Record(v, new KeyValuePair<string, object?>("grain", "media"));
        }

        var text = Write();

        Assert.Contains("# TYPE mrdsim_turn_seconds histogram\n", text);
        // le is an inclusive upper bound: 0.001 falls in the first bucket.
        Assert.Contains("mrdsim_turn_seconds_bucket{grain=\"media\",le=\"0.001\"} 2\n", text);
        Assert.Contains("mrdsim_turn_seconds_bucket{grain=\"media\",le=\"0.01\"} 3\n", text);
        Assert.Contains("mrdsim_turn_seconds_bucket{grain=\"media\",le=\"0.1\"} 4\n", text);
        Assert.Contains("mrdsim_turn_seconds_bucket{grain=\"media\",le=\"+Inf\"} 6\n", text);
        var sum = Regex.Match(text, "mrdsim_turn_seconds_sum\\{grain=\"media\"\\} (\\S+)\n").Groups[1].Value;
        Assert.Equal(2.5565, double.Parse(sum, System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Contains("mrdsim_turn_seconds_count{grain=\"media\"} 6\n", text);
        AssertWellFormed(text);
    }

    [Fact]
    public void GaugesNamedLikeHistogramPartsAreRenamed()
    {
        _meter.CreateObservableGauge("mrdsim.timer.count", () => 2);

        var text = Write();

        Assert.Contains("# TYPE mrdsim_timer_count_value gauge\n", text);
        Assert.DoesNotContain("mrdsim_timer_count ", text);
    }

    [Fact]
    public void ObservableGaugesReportOnlyTheSeriesOfTheLatestObservation()
    {
        var tags = new List<Measurement<int>> { new(1, new KeyValuePair<string, object?>("queue", "chat")), new(2, new KeyValuePair<string, object?>("queue", "email")) };
        _meter.CreateObservableGauge("mrdsim.queue.length", () => tags);

        Assert.Contains("mrdsim_queue_length{queue=\"email\"} 2\n", Write());
        tags.RemoveAt(1);
        var text = Write();

        Assert.Contains("mrdsim_queue_length{queue=\"chat\"} 1\n", text);
        Assert.DoesNotContain("queue=\"email\"", text);
    }

    [Fact]
    public void EachFamilyHasOneHelpAndOneTypeLineBeforeItsSamples()
    {
        _meter.CreateCounter<long>("mrdsim.a").Add(1, new KeyValuePair<string, object?>("k", "1"));
        _meter.CreateCounter<long>("mrdsim.a").Add(1, new KeyValuePair<string, object?>("k", "2"));
        _meter.CreateObservableGauge("mrdsim.b", () => 1.25);

        var text = Write();

        Assert.Equal(1, Regex.Count(text, "# TYPE mrdsim_a_total "));
        Assert.Equal(1, Regex.Count(text, "# HELP mrdsim_a_total "));
        Assert.True(text.IndexOf("# TYPE mrdsim_a_total", StringComparison.Ordinal) < text.IndexOf("mrdsim_a_total{", StringComparison.Ordinal));
        Assert.Contains("\nmrdsim_b 1.25\n", text);
        AssertWellFormed(text);
    }

    [Fact]
    public void CumulativeBucketCountersBecomeOneHistogramThroughAView()
    {
        var view = new HistogramView("mrdsim.test.wait", "mrdsim.test.wait.buckets", "mrdsim.test.wait.sum", "s", "Waits");
        using var collector = new MetricCollector(m => m.Name == _meterName, views: [view]);
        KeyValuePair<string, object?> Mrd(int id) => new("mrd", id);
        _meter.CreateObservableCounter(view.BucketsInstrument, () => new[]
        {
            new Measurement<long>(1, Mrd(1), new("le", "0.5")), new Measurement<long>(3, Mrd(1), new("le", "2")), new Measurement<long>(4, Mrd(1), new("le", "+Inf")),
            new Measurement<long>(0, Mrd(2), new("le", "0.5")), new Measurement<long>(0, Mrd(2), new("le", "2")), new Measurement<long>(1, Mrd(2), new("le", "+Inf")),
        });
        _meter.CreateObservableCounter(view.SumInstrument, () => new[] { new Measurement<double>(12.5, Mrd(1)), new Measurement<double>(9, Mrd(2)) }, "s");

        var families = collector.Collect();
        var text = PrometheusFormatter.Write(families);

        var wait = Assert.Single(families, f => f.Name.StartsWith("mrdsim.test.wait", StringComparison.Ordinal));
        Assert.Equal((MetricKind.Histogram, "mrdsim.test.wait"), (wait.Kind, wait.Name));
        Assert.Equal([0.5, 2], wait.Bounds!);
        Assert.Equal([1L, 2, 1], wait.Series.Single(s => s.Tag("mrd") == "1").Buckets!);
        Assert.All(
            [
                "# TYPE mrdsim_test_wait_seconds histogram\n", "\nmrdsim_test_wait_seconds_bucket{mrd=\"1\",le=\"2\"} 3\n",
                "\nmrdsim_test_wait_seconds_bucket{mrd=\"1\",le=\"+Inf\"} 4\n", "\nmrdsim_test_wait_seconds_sum{mrd=\"1\"} 12.5\n",
                "\nmrdsim_test_wait_seconds_count{mrd=\"2\"} 1\n", "\nmrdsim_test_wait_seconds_bucket{mrd=\"2\",le=\"2\"} 0\n",
            ],
            line => Assert.Contains(line, text));
        AssertWellFormed(text);
    }

    [Theory]
    [InlineData(0.00005, "0.00005")]
    [InlineData(1e20, "1E+20")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(42.0, "42")]
    public void SampleValuesUseGoFloatSyntax(double value, string expected) => Assert.Equal(expected, MetricText.Format(value));

    private string Write() => PrometheusFormatter.Write(_collector.Collect());

    /// <summary>The 0.0.4 grammar: comments are HELP/TYPE, samples are name{labels} value.</summary>
    internal static void AssertWellFormed(string text)
    {
        Assert.EndsWith("\n", text);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Matches(line.StartsWith('#') ? CommentLine() : SampleLine(), line);
        }
    }

    [GeneratedRegex(@"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"",?)*\})? ([-+]?[0-9.eE+-]+|[+-]Inf|NaN)$")]
    private static partial Regex SampleLine();
}
