using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Reports;
using MrdSimulator.Load.Stats;
using Spectre.Console;

namespace MrdSimulator.Load.Cli;

public static class ExitCodes
{
    public const int Passed = 0;
    public const int ThresholdsFailed = 1;
    public const int InvalidInput = 2;
    public const int Aborted = 3;
}

/// <summary>Runs a validated <see cref="RunSpec"/>: live view, engine, reports, summary, exit code.</summary>
public static class LoadRunner
{
    public sealed record Outcome(int ExitCode, RunResult? Result, string? ReportFolder, IReadOnlyList<string> ReportFiles);

    public static async Task<Outcome> RunAsync(RunSpec spec, TextWriter output, TextWriter error, bool live, string? baseDirectory, CancellationToken cancellationToken)
    {
        BuiltRun built;
        try
        {
            built = RunBuilder.Build(spec, baseDirectory);
        }
        catch (ScenarioFileException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return new Outcome(ExitCodes.InvalidInput, null, null, []);
        }

        RunResult result;
        // With the admin token the simulator's records of what its faults cost explain lost notifications.
        using var chaos = spec.ChaosPlanFile is not null || !string.IsNullOrEmpty(spec.AdminToken) ? new Chaos.ChaosClient(spec.BaseUrl, spec.AdminToken!) : null;
        await using var attribution = chaos is not null && built.Target is { Correlating: true } target
            ? await Chaos.AttributionSetup.StartAsync(chaos, target, error, cancellationToken)
            : null;
        if (chaos is not null && spec.ChaosPlanFile is not null)
        {
            try
            {
                await chaos.StartPlanAsync(spec.ChaosPlanFile!, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                await built.DisposeAsync();
                return new Outcome(ExitCodes.InvalidInput, null, null, []);
            }
        }

        await using (built)
        {
            LiveConsoleView? liveView = live ? new LiveConsoleView(AnsiConsole.Console) : null;
            IRunObserver observer = liveView is not null ? liveView : new PlainConsoleView(output);
            var engine = new LoadEngine(built.Options, observer, built.Hooks);
            var run = engine.RunAsync(built.Groups, cancellationToken);
            result = liveView is not null ? await liveView.ShowWhileAsync(run) : await run;
            if (built.Target?.Correlator.TransportEvents is { Count: > 0 } events)
            {
                result = result with { Warnings = [.. result.Warnings, .. events.Take(10).Select(e => "notification transport: " + e)] };
            }
        }

        if (attribution?.Warnings is { Count: > 0 } attributionWarnings)
        {
            result = result with { Warnings = [.. result.Warnings, .. attributionWarnings] };
        }

        if (chaos is not null && spec.ChaosPlanFile is not null)
        {
            try
            {
                var windows = await chaos.TimelineAsync(result.StartedAt, stop: true, CancellationToken.None);
                result = result with { FaultWindows = Chaos.FaultWindowLoads.Attach(windows, result, attribution) };
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or System.Text.Json.JsonException or TaskCanceledException)
            {
                result = result with { Warnings = [.. result.Warnings, "chaos timeline unavailable: " + ex.Message] };
            }
        }

        var folder = Path.Combine(spec.ReportFolder, $"{Sanitize(spec.TestName)}_{result.StartedAt:yyyyMMdd_HHmmss}_{result.SessionId[..6]}");
        IReadOnlyList<string> files = [];
        if (spec.ReportFormats.Count > 0)
        {
            files = ReportWriter.Write(result, folder, spec.ReportFormats);
        }

        Summary.Print(output, result);
        if (files.Count > 0)
        {
            await output.WriteLineAsync($"reports: {Path.GetFullPath(folder)}");
        }

        int code;
        if (result.AbortReason is not null)
        {
            await error.WriteLineAsync($"error: {result.AbortReason}");
            code = ExitCodes.Aborted;
        }
        else
        {
            code = result.ThresholdsPassed ? ExitCodes.Passed : ExitCodes.ThresholdsFailed;
        }

        return new Outcome(code, result, files.Count > 0 ? folder : null, files);
    }

    private static string Sanitize(string name) =>
        new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
}
