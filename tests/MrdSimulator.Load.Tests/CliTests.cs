using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MrdSimulator.Load.Cli;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Tests;

public sealed class CliTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<(WebApplication App, Uri Url, Func<int> Count)> AcceptingServerAsync()
    {
        var n = 0;
        var (app, url) = await TestServers.StartAsync(a => a.Run(async ctx =>
        {
            if (ctx.Request.Path != "/")
            {
                Interlocked.Increment(ref n);
            }

            await ctx.Request.Body.CopyToAsync(Stream.Null);
            ctx.Response.StatusCode = ctx.Request.Path == "/" ? 200 : 202;
        }));
        return (app, url, () => Volatile.Read(ref n));
    }

    [Fact]
    public async Task HelpExplainsEveryOption()
    {
        var (code, output, _) = await RunAsync("run", "--help");
        Assert.Equal(0, code);
        var run = CommandLine.Build().Subcommands.Single(c => c.Name == "run");
        Assert.True(run.Options.Count > 25);
        foreach (var option in run.Options.Where(o => o.Name is not ("--help" or "-h" or "-?")))
        {
            Assert.Contains(option.Name, output, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{option.Name} has no description");
        }

        Assert.Contains("coordinated omission", output, StringComparison.Ordinal);
        var (_, rootHelp, _) = await RunAsync("--help");
        Assert.Contains("Exit codes", rootHelp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitCodeIsNonZeroWhenAThresholdFails()
    {
        var (app, url, _) = await AcceptingServerAsync();
        await using (app)
        {
            var failing = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--rate", "50", "-d", "1s", "-t", "p99 < 1us", "--report-formats", "none");
            Assert.Equal(ExitCodes.ThresholdsFailed, failing.Code);
            Assert.Contains("threshold FAIL: p99 < 1us", failing.Out, StringComparison.Ordinal);
            var passing = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--rate", "50", "-d", "1s", "-t", "p99 < 5s", "-t", "fail% = 0", "--report-formats", "none");
            Assert.Equal(ExitCodes.Passed, passing.Code);
            Assert.Contains("http/request", passing.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BuiltInHttpAuthenticatesAsTheUserInItsPathUnlessToldOtherwise()
    {
        var authorizations = new System.Collections.Concurrent.ConcurrentBag<string>();
        var (app, url) = await TestServers.StartAsync(a => a.Run(async ctx =>
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            if (ctx.Request.Path != "/")
            {
                authorizations.Add(ctx.Request.Headers.Authorization.ToString());
            }

            ctx.Response.StatusCode = ctx.Request.Path == "/" ? 200 : 202;
        }));
        await using (app)
        {
            var byPath = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--path", "/finesse/api/User/1234/Media/5001", "--password", "pw", "--rate", "20", "-d", "1s", "--report-formats", "none");
            var explicitNone = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--basic-auth", "none", "--rate", "20", "-d", "1s", "--report-formats", "none");
            var malformed = await RunAsync("run", "--builtin", "http", "-u", url.ToString(), "--basic-auth", "1234", "--rate", "20", "-d", "1s", "--report-formats", "none");

            Assert.Equal((ExitCodes.Passed, ExitCodes.Passed, ExitCodes.InvalidInput), (byPath.Code, explicitNone.Code, malformed.Code));
            var expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("1234:pw"));
            Assert.Equal(20, authorizations.Count(h => h == expected));
            Assert.Equal(20, authorizations.Count(h => h.Length == 0));
            Assert.Contains("--basic-auth", malformed.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ScenarioFileWithAnUnknownFieldFailsBeforeTheRun()
    {
        var (app, url, count) = await AcceptingServerAsync();
        await using (app)
        {
            var file = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(file, $"target:\n  baseUrl: {url}\nload: [inject 10/s 1s]\nscenarios:\n  - name: raw\n    type: http\n    colour: blue\n");
            var (code, _, error) = await RunAsync("run", file);
            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.Contains($"{file}:7:5: scenarios[0].colour: unknown field 'colour'", error, StringComparison.Ordinal);
            Assert.Equal(0, count());
            var validate = await RunAsync("validate", file);
            Assert.Equal(ExitCodes.InvalidInput, validate.Code);
        }
    }

    [Theory]
    [InlineData("--rate", "5000000", "impossible")]
    [InlineData("-u", "ftp://127.0.0.1:1", "scheme must be http or https")]
    [InlineData("--copies", "5000", "need 5000 agents")]
    [InlineData("-t", "p99 <", "missing number")]
    [InlineData("--retry-attempts", "0", "--retry-attempts: 0 is out of range (1..100)")]
    [InlineData("--retry-delay", "soon", "--retry-delay: 'soon' is not a duration")]
    [InlineData("--retry-max-delay", "10ms", "--retry-max-delay: 10ms is shorter than initialDelay 100ms")]
    [InlineData("--retry-multiplier", "0.5", "--retry-multiplier: 0.5 is out of range (1..10")]
    [InlineData("--retry-jitter", "1.5", "--retry-jitter: 1.5 is out of range (0..1)")]
    public async Task BadCommandLineInputFailsBeforeTheRunWithTheReason(string option, string value, string reason)
    {
        var args = new List<string> { "run", "--builtin", "agent-shift", option, value, "--report-formats", "none" };
        if (option != "--rate" && option != "--copies")
        {
            args.AddRange(["--copies", "1"]);
        }

        var (code, _, error) = await RunAsync([.. args]);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryOptionsTuneEveryScenarioThatRetriesAndLeaveTheOthers()
    {
        static RunSpec Apply(RunSpec spec, params string[] args)
        {
            var options = new RunOptions();
            var run = new Command("run");
            foreach (var option in options.Options)
            {
                run.Options.Add(option);
            }

            return options.Apply(spec, run.Parse([.. args, "--copies", "2"]));
        }

        var shift = CommandLine.Builtin("agent-shift");
        var handling = CommandLine.Builtin("task-handling");

        Assert.Null(Apply(shift).Scenarios[0].Retry);
        Assert.Equal(RetryPolicy.Off, Apply(shift, "--retry", "off").Scenarios[0].Retry);
        Assert.Equal(
            new RetryPolicy { MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1), Multiplier = 3, Jitter = 0.25 },
            Apply(shift, "--retry-attempts", "6", "--retry-delay", "20ms", "--retry-max-delay", "1s", "--retry-multiplier", "3", "--retry-jitter", "0.25").Scenarios[0].Retry);
        var tuned = Apply(handling, "--retry-attempts", "2").Scenarios;
        Assert.Equal(2, tuned.Single(s => s.Type == "task-handling").Retry!.MaxAttempts);
        Assert.Null(tuned.Single(s => s.Type == "task-feed").Retry);
        // hot-pair's policy is off by default: tuning it keeps it off until --retry on.
        Assert.False(Apply(CommandLine.Builtin("hot-pair"), "--retry-attempts", "6").Scenarios[0].Retry!.Enabled);
        Assert.True(Apply(CommandLine.Builtin("hot-pair"), "--retry", "on").Scenarios[0].Retry!.Enabled);
    }

    [Theory]
    [InlineData("agent-shift", "--retry off --retry-attempts 3", "--retry-attempts: --retry-attempts tunes retries, which --retry off turns off")]
    [InlineData("http", "--retry on", "--retry: no scenario of this run retries (retries apply to agent-shift, state-storm, hot-pair, task-handling; this run has http)")]
    public async Task ContradictoryOrPointlessRetryOptionsFailBeforeTheRun(string builtin, string options, string reason)
    {
        var (code, _, error) = await RunAsync(["run", "--builtin", builtin, "--copies", "1", "--report-formats", "none", .. options.Split(' ')]);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableSimulatorStopsTheRunWithAClearMessage()
    {
        var port = TestServers.FreePort();
        var (code, output, error) = await RunAsync("run", "--builtin", "agent-shift", "-u", $"http://127.0.0.1:{port}", "--copies", "2", "-d", "5s", "--report-formats", "none");
        Assert.Equal(ExitCodes.Aborted, code);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/", error, StringComparison.Ordinal);
        Assert.Contains("refused", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScenarioFileRunsEndToEndAndWritesReports()
    {
        await using var fake = await FakeFinesse.StartAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"mrdload-cli-{Guid.NewGuid():N}");
        var file = Path.Combine(folder, "shift.yaml");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(file, $"""
            name: cli-e2e
            target:
              baseUrl: {fake.BaseUrl}
              notificationTimeout: 1s
            settings:
              reportFolder: {folder}
              reportInterval: 250ms
            scenarios:
              - name: shift
                type: agent-shift
                agents: 1000-1002
                mrds: [5000]
                cycles: 1
                load: [keep-constant 3 1s]
            thresholds:
              - lost_notifications = 0
              - contradicting_notifications = 0
              - sign-in.notified: p99 < 1s
            """);
        var (code, output, error) = await RunAsync("run", file);
        Assert.True(code == ExitCodes.Passed, output + error);
        var reports = Directory.GetDirectories(folder).Single();
        Assert.Equal(["report.csv", "report.html", "report.json", "report.md"], Directory.GetFiles(reports).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Contains("notifications: expected", output, StringComparison.Ordinal);
    }
}
