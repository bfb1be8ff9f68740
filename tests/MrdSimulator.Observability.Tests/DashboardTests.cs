using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MrdSimulator.Gateway.Observability.Dashboard;

namespace MrdSimulator.Observability.Tests;

public sealed class DashboardTests
{
    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task DashboardInChromiumShowsTheSnapshotNumbersAfterTraffic()
    {
        await using var host = await SimulatorHost.StartAsync();
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

        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1100 } });
        var foreign = new List<string>();
        var errors = new List<string>();
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(host.BaseAddress.ToString(), StringComparison.Ordinal))
            {
                foreign.Add(r.Url);
            }
        };
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };

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
        await page.GotoAsync(new Uri(host.BaseAddress, "dashboard").ToString());
        await traffic;
        var settled = DateTimeOffset.UtcNow;
        await page.WaitForFunctionAsync($"() => document.body.dataset.snapshot && new Date(document.body.dataset.snapshot) > new Date('{settled:O}')",
            null, new() { Timeout = 5000 });

        using var snapshot = JsonDocument.Parse(await host.Client.GetStringAsync("/dashboard/snapshot.json"));
        var root = snapshot.RootElement;
        var checkedCells = 0;
        foreach (var mrd in root.GetProperty("agents").GetProperty("mrds").EnumerateArray())
        {
            var id = mrd.GetProperty("id").GetInt32();
            foreach (var state in mrd.GetProperty("states").EnumerateObject())
            {
                Assert.Equal(state.Value.GetInt32().ToString(CultureInfo.InvariantCulture), await ValueAsync(page, $"agents-{id}-{state.Name}"));
                checkedCells++;
            }

            Assert.Equal(mrd.GetProperty("signedIn").GetInt32().ToString(CultureInfo.InvariantCulture), await ValueAsync(page, $"agents-{id}-signed-in"));
        }

        Assert.True(checkedCells >= 5);
        Assert.Equal("7", await ValueAsync(page, "agents-5000-READY"));
        Assert.Equal("5", await ValueAsync(page, "agents-5000-NOT_READY"));
        Assert.Equal("4", await ValueAsync(page, "agents-5001-READY"));
        Assert.Equal("16", await ValueAsync(page, "kpi-signed-in"));
        Assert.Equal(root.GetProperty("notifications").GetProperty("published").GetInt64().ToString(CultureInfo.InvariantCulture), await ValueAsync(page, "notifications-published"));
        Assert.Equal(root.GetProperty("grains").GetProperty("active").GetInt64().ToString(CultureInfo.InvariantCulture), await ValueAsync(page, "kpi-grains"));
        Assert.Equal("IN_SERVICE", await page.Locator("[data-testid=service-status]").TextContentAsync());
        Assert.True(await page.Locator("#spark-rps path.line").CountAsync() > 0, "the requests sparkline was not drawn");

        var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } copy)
        {
            File.Copy(shot, copy, overwrite: true);
        }

        Assert.True(new FileInfo(shot).Length > 10_000);
        Assert.Empty(foreign);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task SectionsOfOtherFeaturesAppearOnlyWhileTheirDataExists()
    {
        var custom = new SwitchableSection();
        await using var host = await SimulatorHost.StartAsync(services: s => s.AddDashboardSection(custom));
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(host.BaseAddress, "dashboard").ToString());
        await page.WaitForFunctionAsync("() => document.body.dataset.snapshot");
        Assert.Equal(0, await page.Locator("[data-testid=section-custom-test]").CountAsync());

        // The XMPP feature publishes mrdsim.xmpp.* instruments, so its section is there from the start.
        await page.Locator("[data-testid=section-xmpp] .v").First.WaitForAsync(new() { Timeout = 5000 });
        Assert.Equal("XMPP sessions", await page.Locator("[data-testid=section-xmpp] h2").TextContentAsync());

        // A section registered by another feature shows only while it has data, and its text is not markup.
        custom.Visible = true;
        await page.Locator("[data-testid=section-custom-test] td").First.WaitForAsync(new() { Timeout = 5000 });
        Assert.Equal("<b>not markup</b>", await page.Locator("[data-testid=section-custom-test] td").First.TextContentAsync());
        custom.Visible = false;
        await page.Locator("[data-testid=section-custom-test]").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 5000 });
    }

    [Fact]
    public async Task SnapshotCarriesAggregatesOnlyNoCredentialsOrUserIds()
    {
        await using var host = await SimulatorHost.StartAsync();
        await PrometheusTests.TrafficAsync(host, agents: 3);

        var json = await host.Client.GetStringAsync("/dashboard/snapshot.json");
        var metrics = await host.Client.GetStringAsync("/metrics");

        foreach (var text in new[] { json, metrics })
        {
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("1001", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Authorization", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task<string?> ValueAsync(IPage page, string testId) =>
        await page.Locator($"[data-testid={testId}]").GetAttributeAsync("data-value");

    private static async Task<BrowserHandle> LaunchAsync()
    {
        Tool.Require("/usr/bin/chromium", "chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        return new BrowserHandle(playwright, browser);
    }

    private sealed class BrowserHandle(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync(BrowserNewPageOptions? options = null) => browser.NewPageAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
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
