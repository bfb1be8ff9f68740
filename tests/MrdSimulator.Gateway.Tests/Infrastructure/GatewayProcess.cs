using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>The built gateway as a child process, started the way a user starts it.</summary>
public static partial class GatewayProcess
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Runs the gateway with <paramref name="args"/>; it must exit on its own within 30 s.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunCoreAsync(null, args);

    /// <summary>
    /// Runs the gateway with <paramref name="args"/> until its standard output contains <paramref name="stopAfter"/>, then
    /// kills it. Waiting for output rather than for a fixed time keeps the test independent of how busy the machine is.
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunUntilAsync(string stopAfter, params string[] args) => RunCoreAsync(stopAfter, args);

    /// <summary>Starts the gateway with <paramref name="args"/> (use <c>--urls http://127.0.0.1:0</c>) and returns once it listens.</summary>
    public static async Task<RunningGateway> StartAsync(params string[] args)
    {
        var gateway = new RunningGateway(Launch(args));
        await gateway.ListeningAsync(Deadline);
        return gateway;
    }

    private static Process Launch(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCoreAsync(string? stopAfter, string[] args)
    {
        using var process = Launch(args);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (stdout)
                {
                    stdout.AppendLine(line);
                    if (stopAfter is not null && stdout.ToString().Contains(stopAfter, StringComparison.Ordinal))
                    {
                        seen.TrySetResult();
                    }
                }
            }
        });

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(exited, seen.Task, Task.Delay(Deadline));
        if (first != exited)
        {
            process.Kill(entireProcessTree: true);
            await exited;
            if (first != seen.Task)
            {
                throw new TimeoutException($"the gateway {(stopAfter is null ? "did not stop" : $"never printed '{stopAfter}'")} within {Deadline.TotalSeconds} s: {stdout}");
            }
        }

        await reader;
        return (process.ExitCode, stdout.ToString(), await stderr);
    }

    /// <summary>A gateway process that keeps running until disposed; its console output (logs included) is kept.</summary>
    public sealed partial class RunningGateway : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal RunningGateway(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>Where HTTP listens, from the start-up line.</summary>
        public Uri BaseUrl => _listening.Task.Result;

        /// <summary>Everything the process wrote to standard output and error so far.</summary>
        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        internal async Task ListeningAsync(TimeSpan deadline)
        {
            if (await Task.WhenAny(_listening.Task, _process.WaitForExitAsync(), Task.Delay(deadline)) != _listening.Task)
            {
                throw new TimeoutException($"the gateway did not start listening within {deadline.TotalSeconds} s: {Output}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        [GeneratedRegex("^MRD Simulator listening on (http://[^,\\s]+)")]
        private static partial Regex ListeningLine();
    }
}
