using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MrdSimulator.Observability.Tests.Browsers;

/// <summary>
/// Debian's stock <c>firefox-esr</c>, headless, in a throw-away profile, driven over WebDriver BiDi — the W3C
/// protocol Firefox implements natively (Playwright needs its own patched Firefox build, which cannot be
/// downloaded here). One browsing context (the initial tab). Disposing closes Firefox, kills what is left of
/// its process tree and deletes the profile.
/// </summary>
internal sealed partial class FirefoxBidi : IDashboardBrowser
{
    public const string Executable = "/usr/bin/firefox-esr";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NavigateTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ScreenshotTimeout = TimeSpan.FromSeconds(20);

    // Written to user.js so they apply from the first instant (Firefox applies its own "recommended automation
    // preferences" only once the remote agent is up): no first-run or what's-new pages, no default-browser
    // check, and none of the background traffic (updates, telemetry, remote settings, experiments, safe
    // browsing, captive portal probes) that would otherwise try to reach Mozilla's servers.
    private static readonly string[] ProfilePreferences =
    [
        """user_pref("browser.shell.checkDefaultBrowser", false);""",
        """user_pref("browser.startup.page", 0);""",
        """user_pref("browser.startup.homepage_override.mstone", "ignore");""",
        """user_pref("startup.homepage_welcome_url", "about:blank");""",
        """user_pref("startup.homepage_welcome_url.additional", "");""",
        """user_pref("browser.aboutwelcome.enabled", false);""",
        """user_pref("browser.newtabpage.enabled", false);""",
        """user_pref("browser.sessionstore.resume_from_crash", false);""",
        """user_pref("toolkit.startup.max_resumed_crashes", -1);""",
        """user_pref("app.update.disabledForTesting", true);""",
        """user_pref("app.normandy.enabled", false);""",
        """user_pref("app.normandy.api_url", "");""",
        """user_pref("app.shield.optoutstudies.enabled", false);""",
        """user_pref("nimbus.rollouts.enabled", false);""",
        """user_pref("services.settings.server", "data:,#remote-settings-disabled");""",
        """user_pref("datareporting.policy.dataSubmissionEnabled", false);""",
        """user_pref("datareporting.healthreport.uploadEnabled", false);""",
        """user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);""",
        """user_pref("extensions.update.enabled", false);""",
        """user_pref("extensions.getAddons.cache.enabled", false);""",
        """user_pref("browser.search.update", false);""",
        """user_pref("browser.region.network.url", "");""",
        """user_pref("browser.safebrowsing.malware.enabled", false);""",
        """user_pref("browser.safebrowsing.phishing.enabled", false);""",
        """user_pref("browser.safebrowsing.downloads.enabled", false);""",
        """user_pref("browser.safebrowsing.update.enabled", false);""",
        """user_pref("network.captive-portal-service.enabled", false);""",
        """user_pref("network.connectivity-service.enabled", false);""",
        """user_pref("network.dns.disablePrefetch", true);""",
        """user_pref("network.prefetch-next", false);""",
        """user_pref("network.http.speculative-parallel-limit", 0);""",
        """user_pref("media.gmp-manager.updateEnabled", false);""",
    ];

    private readonly Process _process;
    private readonly string _profile;
    private readonly BidiSession _session;
    private readonly string _context;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _requests = new();

    private FirefoxBidi(Process process, string profile, BidiSession session, string context, string version)
    {
        _process = process;
        _profile = profile;
        _session = session;
        _context = context;
        Name = $"Firefox {version}";
    }

    public string Name { get; }

    /// <summary>The main Firefox process (its content processes are its descendants).</summary>
    public int ProcessId => _process.Id;

    public string ProfileDirectory => _profile;

    public IReadOnlyList<string> Errors => [.. _errors];

    public IReadOnlyList<string> RequestedUrls => [.. _requests];

    /// <summary>Starts Firefox, opens a BiDi session and sizes the initial tab's viewport.</summary>
    public static async Task<IDashboardBrowser> LaunchAsync(int width, int height)
    {
        Tool.Require(Executable, "firefox-esr");
        var profile = Directory.CreateTempSubdirectory("mrdsim-firefox-").FullName;
        await File.WriteAllLinesAsync(Path.Combine(profile, "user.js"), ProfilePreferences);
        var output = new OutputTail();
        var process = Start(profile, output);
        BidiSession? session = null;
        try
        {
            await ((Task)output.Endpoint.Task).WaitAsync(StartTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!output.Endpoint.Task.IsCompletedSuccessfully)
            {
                if (process.HasExited)
                {
                    process.WaitForExit(); // drains the redirected output into the message
                    throw new InvalidOperationException($"{Executable} exited with code {process.ExitCode} before WebDriver BiDi listened. Output:\n{output}");
                }

                throw new TimeoutException($"{Executable} did not print 'WebDriver BiDi listening on ws://…' within {StartTimeout.TotalSeconds:0} s. Output:\n{output}");
            }

            // Sessions are created on the /session path of the announced address.
            session = await BidiSession.ConnectAsync(new Uri(output.Endpoint.Task.Result, "session"), TimeSpan.FromSeconds(10));
            // Answered once Firefox's first window has loaded: most of the start-up time on a busy machine.
            var created = await session.SendAsync("session.new", new { capabilities = new { } }, StartTimeout);
            var version = created.GetProperty("capabilities").GetProperty("browserVersion").GetString() ?? "?";
            var tree = await session.SendAsync("browsingContext.getTree", new { maxDepth = 0 });
            var context = tree.GetProperty("contexts")[0].GetProperty("context").GetString()!;
            var browser = new FirefoxBidi(process, profile, session, context, version);
            session.EventReceived += browser.OnEvent;
            await session.SendAsync("session.subscribe", new { events = new[] { "log.entryAdded", "network.beforeRequestSent" } });
            await session.SendAsync("browsingContext.setViewport", new { context, viewport = new { width, height } });
            return browser;
        }
        catch
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            await StopAsync(process, profile);
            throw;
        }
    }

    public async Task OpenAsync(Uri url) =>
        await _session.SendAsync("browsingContext.navigate", new { context = _context, url = url.AbsoluteUri, wait = "complete" }, NavigateTimeout);

    public async Task<string?> EvaluateStringAsync(string expression)
    {
        var answer = await _session.SendAsync("script.evaluate", new
        {
            expression,
            target = new { context = _context },
            awaitPromise = true,
            resultOwnership = "none",
        });
        if (answer.GetProperty("type").GetString() == "exception")
        {
            var details = answer.GetProperty("exceptionDetails");
            throw new InvalidOperationException($"{Name}: the page threw evaluating {expression}: {details.GetProperty("text").GetString()}");
        }

        // A remote value: {"type":"string","value":"…"}, or {"type":"null"} / {"type":"undefined"}.
        var result = answer.GetProperty("result");
        return result.GetProperty("type").GetString() switch
        {
            "string" => result.GetProperty("value").GetString(),
            "null" or "undefined" => null,
            var other => throw new InvalidOperationException($"{Name}: {expression} evaluated to a {other}, not a string"),
        };
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        // origin "document": the whole page, as Playwright's FullPage does.
        var shot = await _session.SendAsync("browsingContext.captureScreenshot", new { context = _context, origin = "document" }, ScreenshotTimeout);
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Ends the session and quits Firefox cleanly; whatever is left is killed below.
            await _session.SendAsync("browser.close", new { }, TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            // Already gone or stuck: StopAsync kills it.
        }

        await _session.DisposeAsync();
        await StopAsync(_process, _profile);
    }

    private static Process Start(string profile, OutputTail output)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MOZ_CRASHREPORTER_DISABLE"] = "1";

        // Firefox's own test switch: connections to anything but loopback fail, and the remote settings
        // server override in user.js is honoured (release builds ignore it otherwise).
        start.Environment["MOZ_DISABLE_NONLOCAL_CONNECTIONS"] = "1";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Exited += (_, _) => output.Endpoint.TrySetException(new InvalidOperationException("Firefox exited"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process process, string profile)
    {
        using (process)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            // Content processes are children of the main one; take them all.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        for (var attempt = 0; Directory.Exists(profile); attempt++)
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException) when (attempt < 10)
            {
                // A child process may still be closing a file in the profile.
                await Task.Delay(200);
            }
        }
    }

    private void OnEvent(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "log.entryAdded" when parameters.GetProperty("level").GetString() == "error" && IsOurs(parameters.GetProperty("source")):
                _errors.Enqueue($"{parameters.GetProperty("type").GetString()}: {parameters.GetProperty("text").GetString()}");
                break;
            case "network.beforeRequestSent" when IsOurs(parameters):
                _requests.Enqueue(parameters.GetProperty("request").GetProperty("url").GetString()!);
                break;
        }
    }

    // Events name the browsing context they come from; the browser's own background requests have none.
    private bool IsOurs(JsonElement withContext) =>
        withContext.TryGetProperty("context", out var context) && context.GetString() == _context;

    [GeneratedRegex(@"WebDriver BiDi listening on (ws://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>Firefox's stdout and stderr: the announced BiDi address, and the last lines for error messages.</summary>
    private sealed class OutputTail
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public TaskCompletionSource<Uri> Endpoint { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            _lines.Enqueue(line);
            while (_lines.Count > 40 && _lines.TryDequeue(out _))
            {
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                Endpoint.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }
        }

        public override string ToString() => string.Join('\n', _lines);
    }
}
