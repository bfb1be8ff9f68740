using System.Text.Json;

namespace MrdSimulator.Observability.Tests.Browsers;

/// <summary>
/// A real browser with one page, as the dashboard tests need it, so the same checks run in Chromium
/// (Playwright, <see cref="ChromiumPlaywright"/>) and Firefox (WebDriver BiDi, <see cref="FirefoxBidi"/>).
/// </summary>
internal interface IDashboardBrowser : IAsyncDisposable
{
    /// <summary>Browser name and version, for messages ("Firefox 153.7.0").</summary>
    string Name { get; }

    /// <summary>Navigates the page and waits for the load event.</summary>
    Task OpenAsync(Uri url);

    /// <summary>Evaluates a JavaScript expression in the page whose value is a string (a promise is awaited).</summary>
    Task<string?> EvaluateStringAsync(string expression);

    /// <summary>A PNG of the whole page, not just the viewport.</summary>
    Task<byte[]> ScreenshotAsync();

    /// <summary>Uncaught exceptions and <c>console.error</c> messages of the page so far.</summary>
    IReadOnlyList<string> Errors { get; }

    /// <summary>Every URL the page has requested so far.</summary>
    IReadOnlyList<string> RequestedUrls { get; }
}

internal delegate Task<IDashboardBrowser> DashboardBrowserLauncher(int width, int height);

internal static class DashboardBrowserExtensions
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value through JSON.</summary>
    public static async Task<T> EvaluateAsync<T>(this IDashboardBrowser browser, string expression)
    {
        var json = await browser.EvaluateStringAsync($"(async () => JSON.stringify(await ({expression})) ?? 'null')()");
        return JsonSerializer.Deserialize<T>(json ?? "null", Json)!;
    }

    /// <summary>Polls <paramref name="condition"/> (a JavaScript expression) until it is truthy; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitForAsync(this IDashboardBrowser browser, string condition, string what, TimeSpan? timeout = null)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(5);
        var until = DateTimeOffset.UtcNow + wait;
        while (!await browser.EvaluateAsync<bool>($"!!({condition})"))
        {
            if (DateTimeOffset.UtcNow > until)
            {
                Assert.Fail($"{browser.Name}: {what} did not happen within {wait.TotalSeconds:0} s ({condition}); page errors: [{string.Join(" | ", browser.Errors)}]");
            }

            await Task.Delay(100);
        }
    }
}
