using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Finesse.Scenarios;
using MrdSimulator.Load.Reports;
using MrdSimulator.Load.Stats;
using MrdSimulator.Load.Thresholds;

namespace MrdSimulator.Load.Tests;

/// <summary>One short real run shared by the report tests.</summary>
public sealed class ReportFixture : IAsyncLifetime
{
    public RunResult Result { get; private set; } = null!;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "mrdload-report-" + Guid.NewGuid().ToString("N")[..8]);

    public IReadOnlyList<string> Files { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var n = 0;
        var (app, url) = await TestServers.StartAsync(a => a.Run(async ctx =>
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            ctx.Response.StatusCode = ctx.Request.Path == "/" ? 200 : Interlocked.Increment(ref n) % 10 == 0 ? 503 : 202;
            if (ctx.Response.StatusCode == 503)
            {
                await ctx.Response.WriteAsync("<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType></ApiError></ApiErrors>");
            }
        }));
        await using (app)
        {
            using var client = new HttpTarget(url, 64, TimeSpan.FromSeconds(5));
            var scenario = new HttpScenario("raw", client, new HttpScenarioOptions { Path = "/finesse/api/User/1000/Media/5000", Body = "<Media><state>READY</state></Media>" });
            var engine = new LoadEngine(new EngineOptions
            {
                TestName = "report test",
                BaseUrl = url.ToString(),
                ReportInterval = TimeSpan.FromMilliseconds(250),
                MaxFailCount = 0,
                Thresholds = [ThresholdParser.Parse("p99 < 2s"), ThresholdParser.Parse("fail% < 1")],
            });
            Result = await engine.RunAsync([new ScenarioGroup([new WeightedScenario(scenario, 1)], LoadSimulationParser.ParseList("ramp-inject 200/s 1s; inject 200/s 1s"), TimeSpan.Zero)]);
            await app.StopAsync();
        }

        Files = ReportWriter.Write(Result, Folder, ["html", "md", "csv", "json"]);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class ReportTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    private string FileOf(string ext) => Assert.Single(fixture.Files, f => f.EndsWith("." + ext, StringComparison.Ordinal));

    [Fact]
    public void WritesAllFourReportFilesIntoTheFolder()
    {
        Assert.Equal(4, fixture.Files.Count);
        Assert.All(fixture.Files, f =>
        {
            Assert.Equal(fixture.Folder, Path.GetDirectoryName(f));
            Assert.True(new FileInfo(f).Length > 200, f);
        });
    }

    [Fact]
    public void JsonReportRoundTripsWithStepsIntervalsAndThresholds()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FileOf("json")));
        var root = doc.RootElement;
        Assert.Equal("report test", root.GetProperty("testName").GetString());
        var step = root.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "request");
        Assert.Equal(300, step.GetProperty("count").GetInt64());
        Assert.Equal(30, step.GetProperty("fail").GetInt64());
        Assert.True(step.GetProperty("intervals").GetArrayLength() >= 6);
        Assert.True(step.GetProperty("latency").GetProperty("p99Ms").GetDouble() > 0);
        var thresholds = root.GetProperty("thresholds").EnumerateArray().ToList();
        Assert.True(thresholds[0].GetProperty("passed").GetBoolean());
        Assert.False(thresholds[1].GetProperty("passed").GetBoolean()); // 10 % failed
        Assert.True(root.GetProperty("runtime").GetArrayLength() > 0);
        var back = JsonSerializer.Deserialize<RunResult>(File.ReadAllText(FileOf("json")), ReportWriter.JsonOptions)!;
        Assert.Equal(fixture.Result.Steps.Count, back.Steps.Count);
    }

    [Fact]
    public void CsvReportHasNBomberColumnsAndOneRowPerStep()
    {
        var lines = File.ReadAllLines(FileOf("csv"));
        Assert.Equal(string.Join(',', ReportWriter.CsvHeader), lines[0]);
        Assert.Equal(fixture.Result.Steps.Count + 1, lines.Length);
        var row = lines.Skip(1).Select(l => l.Split(',')).Single(c => c[4] == "request");
        Assert.Equal(ReportWriter.CsvHeader.Length, row.Length);
        Assert.Equal("300", row[5]);
        Assert.Equal("270", row[6]);
        Assert.Equal("30", row[7]);
        for (var i = 8; i < row.Length; i++)
        {
            Assert.True(double.TryParse(row[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"{ReportWriter.CsvHeader[i]} = '{row[i]}'");
        }
    }

    [Fact]
    public void MarkdownReportHasTablesForStepsStatusCodesAndThresholds()
    {
        var md = File.ReadAllText(FileOf("md"));
        Assert.Contains("| scenario | step | count | ok | fail |", md, StringComparison.Ordinal);
        Assert.Contains("| raw | request | 300 | 270 | 30 |", md, StringComparison.Ordinal);
        Assert.Contains("| raw | request | 503 | 30 | Service Unavailable |", md, StringComparison.Ordinal);
        Assert.Contains("| `fail% < 1` | **FAIL** |", md, StringComparison.Ordinal);
        Assert.Contains("THRESHOLDS FAILED", md, StringComparison.Ordinal);
    }

    [Fact]
    public void HtmlReportIsSelfContained()
    {
        var html = File.ReadAllText(FileOf("html")).Replace(fixture.Result.BaseUrl, "(target)", StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(html.Split("http://").Length - 1, html.Split("xmlns=\"http://www.w3.org/2000/svg\"").Length - 1);
    }

    [Fact]
    public async Task HtmlReportOpensInHeadlessChromiumWithoutScriptErrorsAndShowsItsCharts()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1000 } });
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        page.PageError += (_, e) => errors.Add(e);
        page.Request += (_, r) => requests.Add(r.Url);
        await page.GotoAsync(new Uri(FileOf("html")).AbsoluteUri);
        await page.WaitForLoadStateAsync(LoadState.Load);

        Assert.Empty(errors);
        Assert.All(requests, r => Assert.StartsWith("file://", r, StringComparison.Ordinal)); // nothing fetched from anywhere
        var charts = await page.EvaluateAsync<int>("window.mrdloadChartCount");
        Assert.True(charts >= 4, $"{charts} charts");
        Assert.True(await page.Locator("[data-kind=rps] polyline").CountAsync() >= 1);
        Assert.True(await page.Locator("[data-kind=latency] polyline").CountAsync() >= 4);
        Assert.Equal(2, await page.Locator("[data-kind=status] rect.bar").CountAsync()); // 202 and 503
        var box = await page.Locator("[data-kind=rps] svg").BoundingBoxAsync();
        Assert.True(box is { Width: > 300, Height: > 150 });
        Assert.Contains("THRESHOLDS FAILED", await page.Locator("#verdict").InnerTextAsync(), StringComparison.Ordinal);

        // Hover read-out works.
        await page.Locator("[data-kind=rps] circle").Nth(3).HoverAsync();
        Assert.Contains("req/s", await page.Locator("#tip").InnerTextAsync(), StringComparison.Ordinal);

        var artefacts = Environment.GetEnvironmentVariable("MRDLOAD_TEST_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artefacts);
        var shot = Path.Combine(artefacts, "html-report.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        Assert.True(new FileInfo(shot).Length > 10_000);
    }
}
