using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MrdSimulator.Observability.Tests;

public sealed class PrometheusTests
{
    private const string MediaRoute = "/finesse/api/User/{id}/Media/{mrdId}";

    [Fact]
    public async Task MetricsEndpointPassesPromtoolCheckMetrics()
    {
        var promtool = Tool.Require("/usr/bin/promtool", "prometheus");
        await using var host = SimulatorHost.StartKestrel();
        await TrafficAsync(host, agents: 5);

        // Grain-backed figures may be up to a second old (another host's OTLP exporter in this process can refresh them mid-traffic).
        var text = await Eventually.ValueAsync(() => host.Http.GetStringAsync("/metrics"), t => t.Contains("mrdsim_agents{mrd=\"5000\",state=\"READY\"} 5", StringComparison.Ordinal), "five READY chat agents in /metrics");

        // Requests, Orleans' activations and grain call latency, notifications and agents, under their Prometheus names.
        foreach (var name in new[]
        {
            "http_server_request_duration_seconds_bucket", "orleans_catalog_activations", "orleans_catalog_activation_created_total",
            "orleans_app_requests_latency_seconds_count", "mrdsim_notifications_published_total", "mrdsim_agents{mrd=\"5000\",state=\"READY\"} 5",
        })
        {
            Assert.Contains(name, text);
        }

        PrometheusFormatTests.AssertWellFormed(text);
        var (exit, output) = await RunAsync(promtool, ["check", "metrics"], stdin: text);
        Assert.True(exit == 0, $"promtool check metrics exited {exit}:\n{output}");
    }

    [Fact]
    public async Task RealPrometheusScrapesTheSimulatorAndAnswersARequestCounterQuery()
    {
        var prometheusPath = Tool.Require("/usr/bin/prometheus", "prometheus");
        await using var host = SimulatorHost.StartKestrel();
        await TrafficAsync(host, agents: 3);

        var dir = Directory.CreateTempSubdirectory("mrdsim-prom-");
        var port = Tool.FreePort();
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: mrdsim
                metrics_path: /metrics
                static_configs:
                  - targets: ['{host.BaseAddress.Authority}']
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(prometheusPath)
        {
            ArgumentList =
            {
                "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(dir.FullName, "data"),
                $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var query = $"sum(http_server_request_duration_seconds_count{{http_route=\"{MediaRoute}\",http_request_method=\"PUT\"}})";
            double? value = null;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(20) && value != 6)
            {
                await Task.Delay(500);
                value = await QueryAsync(api, query);
            }

            Assert.True(value == 6, $"Prometheus answered {value?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} for {query}");
            Assert.Equal(1, await QueryAsync(api, "up{job=\"mrdsim\"}"));
            Assert.Equal(3, await QueryAsync(api, "mrdsim_agents{mrd=\"5000\",state=\"READY\"}"));
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DeployedPrometheusConfigurationPassesPromtoolCheckConfig()
    {
        var promtool = Tool.Require("/usr/bin/promtool", "prometheus");
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Simulator.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Simulator.sln not found above the test binaries");
        }

        var (exit, output) = await RunAsync(promtool, ["check", "config", Path.Combine(root.FullName, "deploy", "prometheus", "prometheus.yml")]);

        Assert.True(exit == 0, output);
    }

    /// <summary>Signs <paramref name="agents"/> agents in to chat and makes them READY: two PUTs each.</summary>
    internal static async Task TrafficAsync(SimulatorHost host, int agents)
    {
        for (var i = 0; i < agents; i++)
        {
            var id = (1001 + i).ToString(CultureInfo.InvariantCulture);
            await host.SignInAsync(id);
            await host.SetStateAsync(id, "READY");
        }
    }

    private static async Task<double?> QueryAsync(HttpClient api, string query)
    {
        try
        {
            using var json = JsonDocument.Parse(await api.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
            var result = json.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string path, string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        args.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
