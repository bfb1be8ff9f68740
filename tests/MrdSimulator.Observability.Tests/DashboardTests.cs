using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Observability.Dashboard;
using MrdSimulator.Observability.Tests.Browsers;

namespace MrdSimulator.Observability.Tests;

public sealed class DashboardTests
{
    private const int Width = 1440;
    private const int Height = 1100;

    // Everything the numbers check reads from the page, in one evaluation so it all comes from one render.
    private const string ReadPage = """
        (() => {
          const values = {};
          for (const node of document.querySelectorAll('[data-testid]')) values[node.dataset.testid] = node.dataset.value ?? null;
          const chart = document.querySelector('#spark-rps');
          const line = chart.querySelector('path.line');
          return {
            values,
            serviceStatus: document.querySelector('[data-testid=service-status]').textContent,
            requestChartWidth: chart.getBoundingClientRect().width,
            requestLineLength: line ? line.getTotalLength() : 0,
            stateBarSegments: [...document.querySelectorAll('#mrd-bars rect')].filter((r) => r.getBoundingClientRect().width > 0).length,
            pageWidth: document.documentElement.scrollWidth,
            viewportWidth: window.innerWidth,
          };
        })()
        """;

    [Fact]
    public Task DashboardInChromiumShowsTheSnapshotNumbersAfterTraffic() =>
        ShowsTheSnapshotNumbersAfterTrafficAsync(ChromiumPlaywright.LaunchAsync, "dashboard.png");

    [Fact]
    public Task DashboardInFirefoxShowsTheSnapshotNumbersAfterTraffic() =>
        ShowsTheSnapshotNumbersAfterTrafficAsync(FirefoxBidi.LaunchAsync, "dashboard-firefox.png");

    [Fact]
    public Task SectionsOfOtherFeaturesAppearOnlyWhileTheirDataExistsInChromium() =>
        SectionsAppearOnlyWhileTheirDataExistsAsync(ChromiumPlaywright.LaunchAsync);

    [Fact]
    public Task SectionsOfOtherFeaturesAppearOnlyWhileTheirDataExistsInFirefox() =>
        SectionsAppearOnlyWhileTheirDataExistsAsync(FirefoxBidi.LaunchAsync);

    [Fact]
    public async Task SnapshotCarriesAggregatesOnlyNoCredentialsOrUserIds()
    {
        await using var host = SimulatorHost.StartKestrel();
        await PrometheusTests.TrafficAsync(host, agents: 3);

        var json = await host.Http.GetStringAsync("/dashboard/snapshot.json");
        var metrics = await host.Http.GetStringAsync("/metrics");

        foreach (var text in new[] { json, metrics })
        {
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("1001", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Authorization", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task ShowsTheSnapshotNumbersAfterTrafficAsync(DashboardBrowserLauncher launch, string screenshotName)
    {
        await using var host = SimulatorHost.StartKestrel();
        // 12 chat agents: 7 READY, 5 NOT_READY; 4 of them also in email, READY.
        for (var i = 0; i < 12; i++)
        {
            var id = (1001 + i).ToString(CultureInfo.InvariantCulture);
            await host.SignInAsync(id);
            await host.SetStateAsync(id, i < 7 ? "READY" : "NOT_READY");
            if (i < 4)
            {
                await host.SignInAsync(id, 5001);
                await host.SetStateAsync(id, "READY", 5001);
            }
        }

        await using var browser = await launch(Width, Height);

        // Traffic keeps flowing for a few seconds so the sparklines have something to draw.
        var trafficUntil = DateTimeOffset.UtcNow.AddSeconds(3);
        var traffic = Task.Run(async () =>
        {
            for (var n = 0; DateTimeOffset.UtcNow < trafficUntil; n++)
            {
                await host.SetStateAsync("1012", n % 2 == 0 ? "READY" : "NOT_READY");
            }

            await host.SetStateAsync("1012", "NOT_READY");
        });
        await browser.OpenAsync(new Uri(host.BaseAddress, "dashboard"));
        await traffic;
        var settled = DateTimeOffset.UtcNow;
        await browser.WaitForAsync($"document.body.dataset.snapshot && new Date(document.body.dataset.snapshot) > new Date('{settled:O}')",
            "a snapshot taken after the traffic rendered");

        var page = await browser.EvaluateAsync<PageState>(ReadPage);
        using var snapshot = JsonDocument.Parse(await host.Http.GetStringAsync("/dashboard/snapshot.json"));
        var root = snapshot.RootElement;
        var checkedCells = 0;
        foreach (var mrd in root.GetProperty("agents").GetProperty("mrds").EnumerateArray())
        {
            var id = mrd.GetProperty("id").GetInt32();
            foreach (var state in mrd.GetProperty("states").EnumerateObject())
            {
                Assert.Equal(state.Value.GetInt32().ToString(CultureInfo.InvariantCulture), page.Value($"agents-{id}-{state.Name}"));
                checkedCells++;
            }

            Assert.Equal(mrd.GetProperty("signedIn").GetInt32().ToString(CultureInfo.InvariantCulture), page.Value($"agents-{id}-signed-in"));
        }

        Assert.True(checkedCells >= 5);
        Assert.Equal("7", page.Value("agents-5000-READY"));
        Assert.Equal("5", page.Value("agents-5000-NOT_READY"));
        Assert.Equal("4", page.Value("agents-5001-READY"));
        Assert.Equal("16", page.Value("kpi-signed-in"));
        Assert.Equal(root.GetProperty("notifications").GetProperty("published").GetInt64().ToString(CultureInfo.InvariantCulture), page.Value("notifications-published"));
        Assert.Equal(root.GetProperty("grains").GetProperty("active").GetInt64().ToString(CultureInfo.InvariantCulture), page.Value("kpi-grains"));
        Assert.Equal("IN_SERVICE", page.ServiceStatus);
        Assert.Equal(root.GetProperty("grains").GetProperty("rejected").GetInt64().ToString(CultureInfo.InvariantCulture), page.Value("kpi-rejected"));
        Assert.True(root.GetProperty("grains").GetProperty("active").GetInt64() >= 16, "every signed-in pair has an activation");

        // Charts are drawn with real geometry, and the layout fits the 1440 px window.
        Assert.True(page.RequestChartWidth > 100, $"{browser.Name}: the requests sparkline is {page.RequestChartWidth} px wide");
        Assert.True(page.RequestLineLength > 0, $"{browser.Name}: the requests sparkline has no line");
        Assert.True(page.StateBarSegments >= 3, $"{browser.Name}: {page.StateBarSegments} visible segments in the agent state bars");
        Assert.True(page.PageWidth <= page.ViewportWidth, $"{browser.Name}: the page is {page.PageWidth} px wide in a {page.ViewportWidth} px window");

        var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", screenshotName);
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await File.WriteAllBytesAsync(shot, await browser.ScreenshotAsync());
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOTS") is { Length: > 0 } copies)
        {
            File.Copy(shot, Path.Combine(copies, screenshotName), overwrite: true);
        }

        Assert.True(new FileInfo(shot).Length > 10_000);
        Assert.Contains(browser.RequestedUrls, u => u.EndsWith("/dashboard/snapshot.json", StringComparison.Ordinal));
        Assert.DoesNotContain(browser.RequestedUrls, u => !u.StartsWith(host.BaseAddress.ToString(), StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal));
        Assert.Empty(browser.Errors);
    }

    private static async Task SectionsAppearOnlyWhileTheirDataExistsAsync(DashboardBrowserLauncher launch)
    {
        var custom = new SwitchableSection();
        await using var host = SimulatorHost.StartKestrel(new Dictionary<string, string?>(), s => s.AddDashboardSection(custom));
        await using var browser = await launch(1280, 720);
        await browser.OpenAsync(new Uri(host.BaseAddress, "dashboard"));
        await browser.WaitForAsync("document.body.dataset.snapshot", "the first snapshot rendered");
        Assert.False(await browser.EvaluateAsync<bool>("!!document.querySelector('[data-testid=section-custom-test]')"));

        // The XMPP feature publishes mrdsim.xmpp.* instruments, so its section is there from the start.
        await browser.WaitForAsync("document.querySelector('[data-testid=section-xmpp] .v')", "the XMPP section appeared");
        Assert.Equal("XMPP sessions", await browser.EvaluateAsync<string>("document.querySelector('[data-testid=section-xmpp] h2').textContent"));

        // A section registered by another feature shows only while it has data, and its text is not markup.
        custom.Visible = true;
        await browser.WaitForAsync("document.querySelector('[data-testid=section-custom-test] td')", "the custom section appeared");
        Assert.Equal("<b>not markup</b>", await browser.EvaluateAsync<string>("document.querySelector('[data-testid=section-custom-test] td').textContent"));
        custom.Visible = false;
        await browser.WaitForAsync("!document.querySelector('[data-testid=section-custom-test]')", "the custom section disappeared");
        Assert.Empty(browser.Errors);
    }

    private sealed record PageState(
        Dictionary<string, string?> Values, string ServiceStatus, double RequestChartWidth, double RequestLineLength,
        int StateBarSegments, double PageWidth, double ViewportWidth)
    {
        public string? Value(string testId) => Values.GetValueOrDefault(testId);
    }

    private sealed class SwitchableSection : IDashboardSection
    {
        public volatile bool Visible;

        public string Id => "custom-test";

        public DashboardSection? Collect(DashboardContext context) => Visible
            ? new DashboardSection(Id, "Custom", [new DashboardStat("Things", 2)], new DashboardTable(["Name"], [["<b>not markup</b>"]]))
            : null;
    }
}
