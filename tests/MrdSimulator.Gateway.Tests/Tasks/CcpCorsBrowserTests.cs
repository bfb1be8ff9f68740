using System.Text.Json;
using Microsoft.Playwright;

namespace MrdSimulator.Gateway.Tests.Tasks;

/// <summary>CORS as a browser enforces it: a page on one origin drives CCP's Task API on another, in headless Chromium.</summary>
public sealed class CcpCorsBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    // What a task page does with fetch: submit, read the Location of the 201, poll it, cancel it; then try the
    // authenticated feed list, which is not CORS-enabled, so the browser must refuse to let the page read it.
    private const string TaskPage = """
        async (api) => {
          const created = await fetch(api + 'ccp/task/feed/100', {
            method: 'POST',
            headers: { 'Content-Type': 'application/xml' },
            body: '<Task><name>Jane</name><title>From a browser</title><scriptSelector>Chat_SS</scriptSelector></Task>',
          });
          const location = created.headers.get('Location');
          const poll = await fetch(location, { headers: { 'Accept': 'application/xml' } });
          const pollText = await poll.text();
          const cancelled = await fetch(location, { method: 'DELETE' });
          let webapp;
          try { webapp = 'read ' + (await fetch(api + 'ccp-webapp/ccp/feed')).status; } catch (e) { webapp = 'refused: ' + e.name; }
          return JSON.stringify({ created: created.status, location, poll: poll.status, pollText, cancelled: cancelled.status, webapp });
        }
        """;

    [Fact]
    public async Task APageOnAnotherOriginSubmitsPollsAndCancelsATaskButCannotReadTheWebappApisInChromium()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/install-test-deps.sh");
        using var host = SimulatorHost.StartKestrel(("Simulator:Agents", "20"));
        var api = host.BaseAddress.ToString().TrimEnd('/') + "/";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
        var page = await browser.NewPageAsync();

        // The same server under another host name is another origin (localhost vs 127.0.0.1), both on loopback.
        await page.GotoAsync(api.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "health/live");
        var result = JsonDocument.Parse(await page.EvaluateAsync<string>(TaskPage, api)).RootElement;

        Assert.Equal(201, result.GetProperty("created").GetInt32());
        Assert.StartsWith(api + "ccp/task/contact/", result.GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, result.GetProperty("poll").GetInt32());
        Assert.Contains("<status>queued</status>", result.GetProperty("pollText").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, result.GetProperty("cancelled").GetInt32());
        Assert.Equal("refused: TypeError", result.GetProperty("webapp").GetString());
    }
}
