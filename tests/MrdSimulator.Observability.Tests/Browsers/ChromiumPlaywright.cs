using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace MrdSimulator.Observability.Tests.Browsers;

/// <summary>Debian's chromium driven by Playwright (CDP), one page.</summary>
internal sealed class ChromiumPlaywright : IDashboardBrowser
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly string[] Args =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IPage _page;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private ChromiumPlaywright(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        _page = page;
        page.Request += (_, r) => _requests.Enqueue(r.Url);
        page.PageError += (_, e) => _errors.Enqueue(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                _errors.Enqueue(m.Text);
            }
        };
    }

    public string Name => $"Chromium {_browser.Version}";

    public IReadOnlyList<string> Errors => [.. _errors];

    public IReadOnlyList<string> RequestedUrls => [.. _requests];

    public static async Task<IDashboardBrowser> LaunchAsync(int width, int height)
    {
        Tool.Require(Executable, "chromium");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Executable, Headless = true, Args = Args });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
            return new ChromiumPlaywright(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async Task OpenAsync(Uri url) => await _page.GotoAsync(url.ToString());

    public Task<string?> EvaluateStringAsync(string expression) => _page.EvaluateAsync<string?>(expression);

    public Task<byte[]> ScreenshotAsync() => _page.ScreenshotAsync(new() { FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
