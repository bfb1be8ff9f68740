using System.Globalization;

namespace MrdSimulator.Observability.Tests.Browsers;

/// <summary>The WebDriver BiDi client itself, so a dashboard test passing in Firefox means something.</summary>
public sealed class FirefoxBidiTests
{
    private const string Page = """
        <!DOCTYPE html><title>probe</title><p id="p">hello</p>
        <script>
          console.error('logged on purpose');
          setTimeout(() => { throw new Error('thrown on purpose'); });
        </script>
        """;

    [Fact]
    public async Task FirefoxOverBidiEvaluatesScriptsCollectsPageErrorsTakesScreenshotsAndLeavesNothingBehind()
    {
        var browser = (FirefoxBidi)await FirefoxBidi.LaunchAsync(800, 600);
        int[] processes;
        string profile;
        await using (browser)
        {
            Assert.StartsWith("Firefox ", browser.Name, StringComparison.Ordinal);
            await browser.OpenAsync(new Uri("data:text/html," + Uri.EscapeDataString(Page)));

            Assert.Equal("hello", await browser.EvaluateAsync<string>("document.getElementById('p').textContent"));
            Assert.Equal(42, await browser.EvaluateAsync<int>("new Promise((resolve) => setTimeout(() => resolve(42), 10))"));
            Assert.Equal(800, await browser.EvaluateAsync<int>("window.innerWidth"));
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => browser.EvaluateStringAsync("noSuchVariable.x"));
            Assert.Contains("noSuchVariable", failure.Message, StringComparison.Ordinal);

            // Both a console.error and an uncaught exception count as page errors (events arrive asynchronously).
            for (var waited = 0; browser.Errors.Count < 2 && waited < 50; waited++)
            {
                await Task.Delay(100);
            }

            Assert.Contains(browser.Errors, e => e.Contains("logged on purpose", StringComparison.Ordinal));
            Assert.Contains(browser.Errors, e => e.Contains("thrown on purpose", StringComparison.Ordinal));

            var png = await browser.ScreenshotAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 1_000);

            processes = [browser.ProcessId, .. Descendants(browser.ProcessId)];
            profile = browser.ProfileDirectory;
            Assert.True(Directory.Exists(profile));
            Assert.True(processes.Length > 1, "a page in Firefox runs in a content process, a descendant of the main one");
        }

        // Disposing closed Firefox, killed whatever was left of its process tree and deleted the profile.
        Assert.False(Directory.Exists(profile), $"{profile} is still there");
        Assert.DoesNotContain(processes, pid => Directory.Exists($"/proc/{pid}") && IsFirefox(pid));
    }

    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && TryReadParent(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var current))
        {
            foreach (var (pid, parent) in parents)
            {
                if (parent == current)
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }
        }

        return found;
    }

    private static int? TryReadParent(int pid)
    {
        try
        {
            // /proc/PID/stat: "PID (comm) STATE PPID …"; comm may contain spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
    }

    // A recycled pid belonging to something else does not count as a leak.
    private static bool IsFirefox(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("firefox", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
