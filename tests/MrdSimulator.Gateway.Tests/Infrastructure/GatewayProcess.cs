using System.Diagnostics;
using System.Text;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>The built gateway as a child process, started the way a user starts it.</summary>
public static class GatewayProcess
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Runs the gateway with <paramref name="args"/>; it must exit on its own within 30 s.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunCoreAsync(null, args);

    /// <summary>
    /// Runs the gateway with <paramref name="args"/> until its standard output contains <paramref name="stopAfter"/>, then
    /// kills it. Waiting for output rather than for a fixed time keeps the test independent of how busy the machine is.
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunUntilAsync(string stopAfter, params string[] args) => RunCoreAsync(stopAfter, args);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCoreAsync(string? stopAfter, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
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
}
