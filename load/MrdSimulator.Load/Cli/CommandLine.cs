using System.CommandLine;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using Spectre.Console;

namespace MrdSimulator.Load.Cli;

/// <summary>The <c>mrdload</c> command line (System.CommandLine).</summary>
public static class CommandLine
{
    /// <summary>
    /// Parses the command line. Response files are off: <c>@</c> names an agent file (<c>--agents @agents.txt</c>),
    /// which System.CommandLine would otherwise splice in as more arguments.
    /// </summary>
    public static ParseResult Parse(IReadOnlyList<string> args) =>
        Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    public static RootCommand Build()
    {
        var root = new RootCommand("mrdload: load driver for the MRD Simulator (Cisco Finesse non-voice Media Routing Domain REST APIs). " +
                                   "Exit codes: 0 passed, 1 a threshold failed, 2 invalid input, 3 run aborted (target unreachable, too many failures, init failed).");
        root.Subcommands.Add(BuildRun());
        root.Subcommands.Add(BuildValidate());
        return root;
    }

    private static Command BuildValidate()
    {
        var file = new Argument<FileInfo>("scenario-file") { Description = "YAML scenario file to check without running it." };
        var command = new Command("validate", "Check a scenario file and print what it would run; exit 2 with file:line: field: reason when it is wrong.") { file };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var spec = ScenarioFileLoader.Load(parse.GetValue(file)!.FullName);
                output.WriteLine($"ok: {spec.Scenarios.Count} scenario(s): {string.Join(", ", spec.Scenarios.Select(s => $"{s.Name} ({s.Type})"))}");
                output.WriteLine($"load: {string.Join("; ", (spec.Load ?? []).Concat(spec.Scenarios.SelectMany(s => s.Load ?? [])).Select(l => l.Describe()))}");
                output.WriteLine($"thresholds: {string.Join("; ", spec.Thresholds.Select(t => t.Expression))}");
                output.WriteLine($"retry: {string.Join("; ", spec.Scenarios.Select(s => $"{s.Name}: {(s.Retry ?? RetryPolicy.DefaultFor(s.Type)).Describe()}"))}");
                return ExitCodes.Passed;
            }
            catch (ScenarioFileException ex)
            {
                error.WriteLine($"error: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return command;
    }

    private static Command BuildRun()
    {
        var o = new RunOptions();
        var command = new Command("run", "Run a scenario file or a built-in scenario against the simulator and write HTML, Markdown, CSV and JSON reports.");
        command.Arguments.Add(o.ScenarioFile);
        foreach (var option in o.Options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            RunSpec spec;
            string? baseDirectory = null;
            try
            {
                var fileInfo = parse.GetValue(o.ScenarioFile);
                var builtinName = parse.GetValue(o.Builtin);
                if (fileInfo is not null && builtinName is not null)
                {
                    throw new ScenarioFileException("command line", 0, 0, "--builtin", "give either a scenario file or --builtin, not both");
                }

                if (fileInfo is null && builtinName is null)
                {
                    throw new ScenarioFileException("command line", 0, 0, "scenario", "give a scenario file or --builtin agent-shift|state-storm|hot-pair|http|task-handling|task-feed (see --help)");
                }

                if (fileInfo is not null)
                {
                    spec = ScenarioFileLoader.Load(fileInfo.FullName);
                    baseDirectory = fileInfo.DirectoryName;
                }
                else
                {
                    spec = Builtin(builtinName!);
                }

                spec = o.Apply(spec, parse);
                spec = spec with
                {
                    ChaosPlanFile = parse.GetValue(o.ChaosPlan)?.FullName ?? spec.ChaosPlanFile,
                    AdminToken = parse.GetValue(o.AdminToken) ?? Environment.GetEnvironmentVariable("MRDSIM_ADMIN_TOKEN") ?? spec.AdminToken,
                };
                if (spec.ChaosPlanFile is not null && string.IsNullOrEmpty(spec.AdminToken))
                {
                    throw new ScenarioFileException("command line", 0, 0, "--admin-token", "--chaos-plan needs the simulator's admin token (--admin-token or MRDSIM_ADMIN_TOKEN)");
                }
            }
            catch (ScenarioFileException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.InvalidInput;
            }

            var live = !parse.GetValue(o.Plain) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null &&
                       AnsiConsole.Profile.Capabilities.Interactive && ReferenceEquals(output, Console.Out);
            try
            {
                var outcome = await LoadRunner.RunAsync(spec, output, error, live, baseDirectory, cancellationToken);
                return outcome.ExitCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: {LoadEngine.Describe(ex)}");
                return ExitCodes.Aborted;
            }
        });
        return command;
    }

    /// <summary>
    /// A built-in scenario. task-handling is two scenarios: the agents (on the run's load) and a task feed whose own
    /// open load (<c>inject --task-rate/s</c> for the run's duration) is set once the load is known.
    /// </summary>
    internal static RunSpec Builtin(string name)
    {
        var spec = new RunSpec { TestName = name, Scenarios = [new ScenarioSpec { Name = name, Type = name }] };
        return name switch
        {
            "http" => spec with { Notifications = "none" },
            "task-handling" => spec with
            {
                Scenarios =
                [
                    new ScenarioSpec { Name = "task-handling", Type = "task-handling", Mrds = ScenarioSpec.TaskMrds },
                    new ScenarioSpec { Name = "task-feed", Type = "task-feed", Mrds = ScenarioSpec.TaskMrds, FeedFollowsRun = true },
                ],
            },
            "task-feed" => spec with { Scenarios = [new ScenarioSpec { Name = name, Type = name, Mrds = ScenarioSpec.TaskMrds }] },
            _ => spec,
        };
    }

    /// <summary>Default rate of the built-in task feed (tasks per second).</summary>
    internal const double DefaultTaskRate = 10;
}
