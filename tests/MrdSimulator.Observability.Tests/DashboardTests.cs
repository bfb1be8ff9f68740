using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Observability.Dashboard;
using MrdSimulator.Gateway.Observability.Metrics;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Statistics;
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

    // The "Task queues" section as shown: headline stats by label, and the table (a row per MRD).
    private const string ReadTaskSection = """
        (() => {
          const card = document.querySelector('[data-testid=section-tasks]');
          if (!card) return null;
          return {
            title: card.querySelector('h2').textContent,
            stats: Object.fromEntries([...card.querySelectorAll('.section-stats > div')].map((d) => [d.querySelector('.l').textContent, Number(d.querySelector('.v').dataset.value)])),
            columns: [...card.querySelectorAll('thead th')].map((th) => th.textContent),
            rows: [...card.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((td) => td.textContent)),
          };
        })()
        """;

    private static readonly TimeSpan TaskWait = TimeSpan.FromSeconds(20);

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
    public Task TaskQueuesSectionShowsLiveFiguresOfBotsAndGeneratorsInChromium() =>
        TaskQueuesShowLiveFiguresAsync(ChromiumPlaywright.LaunchAsync, "dashboard-tasks.png");

    [Fact]
    public Task TaskQueuesSectionShowsLiveFiguresOfBotsAndGeneratorsInFirefox() =>
        TaskQueuesShowLiveFiguresAsync(FirefoxBidi.LaunchAsync, "dashboard-tasks-firefox.png");

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

        // Three tasks for the tasks MRD, where nobody is signed in: they wait in its queue.
        for (var i = 0; i < 3; i++)
        {
            await host.SubmitTaskAsync("Task_SS");
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

        // The queued tasks: the Task queues section shows the statistics grains' figures.
        await AssertTaskSectionShowsTheGrainsFiguresAsync(host, browser);
        Assert.Equal(3, (await browser.EvaluateAsync<TaskSection>(ReadTaskSection)).Stats["Queued"]);

        await SaveScreenshotAsync(browser, screenshotName);
        Assert.Contains(browser.RequestedUrls, u => u.EndsWith("/dashboard/snapshot.json", StringComparison.Ordinal));
        Assert.DoesNotContain(browser.RequestedUrls, u => !u.StartsWith(host.BaseAddress.ToString(), StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal));
        Assert.Empty(browser.Errors);
    }

    private static async Task TaskQueuesShowLiveFiguresAsync(DashboardBrowserLauncher launch, string screenshotName)
    {
        // The issue's recipe (--bots 10 --task-rate 600 --time-scale 10), busier and with short work so that the queue
        // builds and tasks finish within the test, and without breaks so that the bots settle once arrivals stop.
        await using var host = SimulatorHost.StartKestrel(
            ("Tasks:BotsPerMrd", "10"), ("Tasks:TasksPerHour", "1200"), ("Tasks:TimeScale", "10"), ("Tasks:MeanHandleSeconds", "20"), ("Tasks:BreakProbability", "0"));
        await using var browser = await launch(Width, Height);
        await browser.OpenAsync(new Uri(host.BaseAddress, "dashboard"));

        // Live: the section appears once tasks flow, and its numbers move while the page is open.
        await browser.WaitForAsync($"({ReadTaskSection})?.stats.Offered > 0", "the Task queues section with offers", TaskWait);
        var first = await browser.EvaluateAsync<TaskSection>(ReadTaskSection);
        await browser.WaitForAsync(
            $"({ReadTaskSection})?.stats.Offered > {first.Stats["Offered"].ToString(CultureInfo.InvariantCulture)} && ({ReadTaskSection})?.rows.length === 3",
            "the page's offer count to grow, with a row per MRD", TaskWait);
        var live = await browser.EvaluateAsync<TaskSection>(ReadTaskSection);
        Assert.Equal("Task queues", live.Title);
        Assert.All(["mrd", "Queued", "Offered", "Handled", "RONA", "Wait p95", "Service level", "Occupancy"], c => Assert.Contains(c, live.Columns));

        // Arrivals stop; once every offer has been handled (or rung out) nothing moves, and the page shows what the grains hold.
        var directory = host.Services.GetRequiredService<SimulatorDirectory>();
        foreach (var mrd in directory.NonVoiceMrds)
        {
            await host.Grains.GetGrain<ITaskGeneratorGrain>(mrd.Id).StopAsync();
        }

        await Eventually.TrueAsync(
            async () => (await ReadTaskFiguresAsync(host)).All(f => f.Capacity is var c && c.Queued == 0 && c.Offered == c.Handled + c.Ronas),
            "every queued task to be offered and handled", TimeSpan.FromSeconds(60));
        await AssertTaskSectionShowsTheGrainsFiguresAsync(host, browser);
        var settled = await browser.EvaluateAsync<TaskSection>(ReadTaskSection);
        Assert.All(settled.Rows, row => Assert.NotEqual("–", settled.Cell(row, "Wait p95")));

        await SaveScreenshotAsync(browser, screenshotName);
        Assert.Empty(browser.Errors);
    }

    private static async Task<MrdTaskFigures[]> ReadTaskFiguresAsync(SimulatorHost host) =>
        await host.Services.GetRequiredService<MrdStatsReader>().ReadAsync(g => g.GetTaskFiguresAsync());

    /// <summary>Waits until the page's Task queues section shows every MRD with tasks as its statistics grain holds it.</summary>
    private static async Task AssertTaskSectionShowsTheGrainsFiguresAsync(SimulatorHost host, IDashboardBrowser browser)
    {
        var mismatch = "not compared";
        try
        {
            await Eventually.TrueAsync(
                async () => (mismatch = TaskSectionMismatch(await browser.EvaluateAsync<TaskSection?>(ReadTaskSection), await ReadTaskFiguresAsync(host))) is null,
                "the page to show the grains' task figures");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{browser.Name}: {mismatch}");
        }
    }

    private static string? TaskSectionMismatch(TaskSection? page, IReadOnlyList<MrdTaskFigures> figures)
    {
        if (page is null)
        {
            return "no Task queues section";
        }

        var withTasks = figures.Where(f => f.Capacity.Submitted > 0).ToList();
        if (page.Rows.Count != withTasks.Count)
        {
            return $"{page.Rows.Count} rows for {withTasks.Count} MRDs with tasks";
        }

        foreach (var mrd in withTasks)
        {
            var c = mrd.Capacity;
            var expected = new Dictionary<string, string>
            {
                ["Queued"] = Count(c.Queued), ["Submitted"] = Count(c.Submitted), ["Offered"] = Count(c.Offered), ["Handled"] = Count(c.Handled),
                ["Abandoned"] = Count(c.Abandoned), ["Expired"] = Count(c.Expired), ["RONA"] = Count(c.Ronas), ["Wait (count)"] = Count(c.Offered),
            };
            if (c.ServiceLevel is { } serviceLevel)
            {
                expected["Service level"] = Percent(serviceLevel);
            }

            if (c.AgentOccupancy is { } occupancy)
            {
                expected["Occupancy"] = Percent(occupancy);
            }

            var row = page.Rows.FirstOrDefault(r => r[0] == Count(c.MrdId));
            if (row is null)
            {
                return $"no row for MRD {c.MrdId}";
            }

            foreach (var (column, value) in expected)
            {
                if (page.Cell(row, column) != value)
                {
                    return $"MRD {c.MrdId} {column}: the page shows {page.Cell(row, column) ?? "no such column"}, the grain {value}";
                }
            }
        }

        foreach (var (label, total) in new[] { ("Queued", withTasks.Sum(f => (long)f.Capacity.Queued)), ("Offered", withTasks.Sum(f => f.Capacity.Offered)), ("Handled", withTasks.Sum(f => f.Capacity.Handled)) })
        {
            if (page.Stats.GetValueOrDefault(label, -1) != total)
            {
                return $"headline {label}: the page shows {page.Stats.GetValueOrDefault(label, -1)}, the grains {total}";
            }
        }

        return null;

        static string Count(long n) => MetricText.Format((double)n);

        static string Percent(double ratio) => MetricText.Format(Math.Round(ratio * 100, 1)) + " %";
    }

    private static async Task SaveScreenshotAsync(IDashboardBrowser browser, string name)
    {
        var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await File.WriteAllBytesAsync(shot, await browser.ScreenshotAsync());
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOTS") is { Length: > 0 } copies)
        {
            File.Copy(shot, Path.Combine(copies, name), overwrite: true);
        }

        Assert.True(new FileInfo(shot).Length > 10_000);
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

    private sealed record TaskSection(string Title, Dictionary<string, double> Stats, List<string> Columns, List<List<string>> Rows)
    {
        public string? Cell(List<string> row, string column)
        {
            var i = Columns.IndexOf(column);
            return i >= 0 && i < row.Count ? row[i] : null;
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
