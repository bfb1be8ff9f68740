using System.Diagnostics;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>The built gateway as a child process, started the way a user starts it.</summary>
public static class GatewayProcess
{
    /// <summary>
    /// Runs the gateway with <paramref name="args"/>. With a positive <paramref name="runFor"/> it is stopped after
    /// that time; otherwise it must exit on its own within 30 s.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan runFor, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(runFor > TimeSpan.Zero ? runFor : TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            if (runFor <= TimeSpan.Zero)
            {
                throw new TimeoutException($"the gateway did not stop: {await stdout}");
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
