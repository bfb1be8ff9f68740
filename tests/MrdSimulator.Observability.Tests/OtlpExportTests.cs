using System.Net.Http.Headers;
using System.Text;

namespace MrdSimulator.Observability.Tests;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task MetricsAreExportedOverOtlpHttpProtobufWhenTheEndpointIsSet()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var host = SimulatorHost.StartKestrel(Otel(receiver));
        await PrometheusTests.TrafficAsync(host, agents: 2);
        await host.SubmitTaskAsync("Chat_SS");

        // The task wait distribution travels as its two counters: OTLP has no observable histogram. Instruments read
        // from grains appear from the export after their first reading, so wait for every one of them.
        string[] expected =
        [
            "http.server.request.duration", "orleans-catalog-activations", "orleans-catalog-activation-created", "orleans-app-requests-latency",
            "mrdsim.notifications.published", "mrdsim.agents", "kestrel.active_connections",
            "mrdsim.tasks.queued", "mrdsim.tasks.offered", "mrdsim.tasks.service_level", "mrdsim.tasks.wait.buckets", "mrdsim.tasks.wait.sum",
        ];
        var names = await Eventually.ValueAsync(() => Task.FromResult(receiver.Metrics.SelectMany(MetricNames).ToHashSet()), n => expected.All(n.Contains),
            "every expected instrument in the OTLP export (exported every 250 ms; instruments read from grains after their first reading)");
        foreach (var name in expected)
        {
            Assert.Contains(name, names);
        }

        Assert.All(receiver.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
        var service = Protobuf.Path(receiver.Metrics.First(), 1, 1, 1)
            .Where(kv => Protobuf.String(kv, 1) == "service.name")
            .Select(kv => Protobuf.String(Protobuf.Path(kv, 2).First(), 1)).Single();
        Assert.Equal("mrdsim-under-test", service);
    }

    [Fact]
    public async Task TracesLinkTheRequestTheGrainCallAndTheNotification()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var host = SimulatorHost.StartKestrel(Otel(receiver));
        await host.SignInAsync("1001");

        // A notification span exists only when someone listens: hold the user's SSE stream open.
        using var stream = new HttpRequestMessage(HttpMethod.Get, "/notifications");
        stream.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("1001:password")));
        using var sse = await host.Http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
        await host.SetStateAsync("1001", "READY");

        // Spans are exported in batches as they end, so wait for the whole chain, not just its last link.
        var spans = await Eventually.ValueAsync(() => Task.FromResult(receiver.Traces.SelectMany(Spans).ToList()), s => ChainOf(s) is not null,
            "the READY's notification span with its grain and request spans");

        // The notification is a child of the Media grain's call (its context travels with the Update through the
        // outbox), which Orleans traces as a child of the client call made by the HTTP request.
        var (publish, grain, request) = ChainOf(spans)!.Value;
        Assert.Contains("IMediaGrain", grain.Name, StringComparison.Ordinal);
        Assert.Equal("PUT /finesse/api/User/{id}/Media/{mrdId}", request.Name);
        Assert.Equal(request.TraceId, publish.TraceId);
        Assert.Equal(string.Empty, request.ParentId);
    }

    private static Dictionary<string, string?> Otel(OtlpReceiver receiver) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = "mrdsim-under-test",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    private static IEnumerable<string> MetricNames(byte[] request) =>
        Protobuf.Path(request, 1, 2, 2).Select(m => Protobuf.String(m, 1));

    private static IEnumerable<Span> Spans(byte[] request) =>
        Protobuf.Path(request, 1, 2, 2).Select(s => new Span(Protobuf.Hex(s, 1), Protobuf.Hex(s, 2), Protobuf.Hex(s, 4), Protobuf.String(s, 5)));

    private sealed record Span(string TraceId, string SpanId, string ParentId, string Name);

    /// <summary>The READY's notification span, its parent grain span and the root HTTP request span; null until all arrived.</summary>
    private static (Span Publish, Span Grain, Span Request)? ChainOf(IReadOnlyList<Span> spans)
    {
        foreach (var publish in spans.Where(s => s.Name == "notification publish"))
        {
            var grain = spans.FirstOrDefault(s => s.SpanId == publish.ParentId);
            var root = grain;
            while (root is { ParentId.Length: > 0 })
            {
                root = spans.FirstOrDefault(s => s.SpanId == root.ParentId);
            }

            if (grain is not null && root is not null && !ReferenceEquals(root, grain))
            {
                return (publish, grain, root);
            }
        }

        return null;
    }
}
