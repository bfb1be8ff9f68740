using System.Globalization;
using System.Text;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.GrainInterfaces.Simulation;

namespace MrdSimulator.Gateway.Planning;

/// <summary>
/// The <c>plan</c> verb's command line. Switches that mean the same as a live run's keep its names
/// (<c>--agents</c>, <c>--task-rate</c>, <c>--handle-time</c>, <c>--bot-dialogs</c>), so a plan and a live run read alike.
/// Every value is checked here, so a mistake stops the run with the switch at fault rather than a wrong answer.
/// </summary>
public static class PlanCommandLine
{
    public static readonly IReadOnlyList<(string Switch, string Help)> Help =
    [
        ("--agents N", "bot agents in the MRD (leave out with a staffing target: the planner finds it)"),
        ("--task-rate N", "Poisson arrivals per simulated hour"),
        ("--profile FILE", "arrival rates per interval instead: CSV lines 'HH:MM,tasks per hour' in equal steps (a day in 15-minute slots)"),
        ("--handle-time SECONDS", "mean handle time (default 180)"),
        ("--handle-distribution D", "exponential (default), lognormal[:CV] (CV default 1) or fixed"),
        ("--bot-dialogs N", "dialogs an agent works at once, 1..10 (default 1)"),
        ("--patience SECONDS|none", "mean of the customers' exponential patience; they cancel after it (default none)"),
        ("--tasks N", $"tasks to submit (default {PlanOptions.DefaultTasks:N0} without --duration or --profile)"),
        ("--duration TIME", "simulated time to submit tasks for instead (seconds, or HH:MM:SS)"),
        ("--warm-up SHARE", "share of the first tasks left out of the figures (default 0.1)"),
        ("--seed N", "random seed: the same seed gives the same answer (default 1)"),
        ("--threshold SECONDS", "service-level threshold (default 30; '30s' also reads)"),
        ("--target-service-level X", "find the fewest agents answering X of tasks within the threshold (0.8 or 80%)"),
        ("--max-abandon X", "find the fewest agents with at most X of customers giving up (0.05 or 5%; needs --patience)"),
        ("--rona P", "chance an agent lets an offer ring out (RONA), 0..1 (default 0)"),
        ("--accept-delay SECONDS", "time an agent takes to accept an offer (default 0)"),
        ("--wrap-up SECONDS", "wrap-up after each task (default 0)"),
        ("--json", "print one JSON object instead of the table"),
        ("--html FILE", "also write a report with charts to FILE"),
    ];

    public static bool IsPlan(IReadOnlyList<string> args) => args.Count > 0 && args[0] == "plan";

    public static string Usage()
    {
        var text = new StringBuilder()
            .AppendLine("MRD Simulator planner: the real routing path on a virtual clock, with Erlang C/A beside it (docs/capacity.md).")
            .AppendLine()
            .AppendLine("Usage: dotnet run --project src/MrdSimulator.Gateway -- plan [switches]")
            .AppendLine()
            .AppendLine("Example: plan --agents 20 --task-rate 200 --handle-time 300")
            .AppendLine("         plan --task-rate 200 --handle-time 300 --target-service-level 80% --threshold 30s")
            .AppendLine()
            .AppendLine("Switches:");
        var width = Help.Max(h => h.Switch.Length) + 2;
        foreach (var (name, help) in Help)
        {
            text.Append("  ").Append(name.PadRight(width)).AppendLine(help);
        }

        return text.ToString();
    }

    /// <summary>Reads the switches after <c>plan</c>.</summary>
    /// <exception cref="OptionsException">A switch is unknown, repeated, lacks its value, or has one out of range.</exception>
    public static PlanOptions Parse(IReadOnlyList<string> args, Func<string, string>? readFile = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var known = Help.Select(h => h.Switch.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                var closest = known.MinBy(k => CommandLineSwitches.Distance(k, name))!;
                var hint = CommandLineSwitches.Distance(closest, name) <= 3 ? $"; did you mean {closest}?" : "";
                throw new OptionsException(name, $"unknown planner switch{hint} (run 'plan --help' for the list)");
            }

            if (values.ContainsKey(name))
            {
                throw new OptionsException(name, "given twice");
            }

            if (name == "--json")
            {
                values[name] = null;
                continue;
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new OptionsException(name, "needs a value");
            }

            values[name] = args[++i];
        }

        string? Get(string name) => values.GetValueOrDefault(name);

        var options = new PlanOptions
        {
            Agents = Get("--agents") is { } agents ? Integer("--agents", agents, 1, 10_000) : null,
            TasksPerHour = Get("--task-rate") is { } rate ? Number("--task-rate", rate, 0, 10_000_000, exclusiveMin: true) : 0,
            ProfileFile = Get("--profile"),
            HandleSeconds = Get("--handle-time") is { } handle ? Number("--handle-time", handle, 0, 31_536_000, exclusiveMin: true) : 180,
            Handling = Get("--handle-distribution") is { } shape ? Distribution(shape) : WorkDistribution.Exponential,
            DialogsPerAgent = Get("--bot-dialogs") is { } dialogs ? Integer("--bot-dialogs", dialogs, 1, 10) : 1,
            PatienceSeconds = Get("--patience") is { } patience && patience != "none" ? Number("--patience", patience, 0, 31_536_000, exclusiveMin: true) : null,
            Tasks = Get("--tasks") is { } tasks ? Integer("--tasks", tasks, 100, 10_000_000) : null,
            Duration = Get("--duration") is { } duration ? Time("--duration", duration) : null,
            WarmUp = Get("--warm-up") is { } warmUp ? Number("--warm-up", warmUp, 0, 0.5) : 0.1,
            Seed = Get("--seed") is { } seed ? Integer("--seed", seed, int.MinValue, int.MaxValue) : 1,
            ThresholdSeconds = Get("--threshold") is { } threshold ? Number("--threshold", threshold.TrimEnd('s'), 0, 86_400) : 30,
            TargetServiceLevel = Get("--target-service-level") is { } target ? Share("--target-service-level", target, exclusiveMax: true) : null,
            MaxAbandoned = Get("--max-abandon") is { } abandon ? Share("--max-abandon", abandon, exclusiveMax: false) : null,
            RonaProbability = Get("--rona") is { } rona ? Number("--rona", rona, 0, 0.9) : 0,
            AcceptDelaySeconds = Get("--accept-delay") is { } accept ? Number("--accept-delay", accept, 0, 3600) : 0,
            WrapUpSeconds = Get("--wrap-up") is { } wrap ? Number("--wrap-up", wrap, 0, 86_400) : 0,
            Json = values.ContainsKey("--json"),
            HtmlFile = Get("--html"),
        };

        if (options.ProfileFile is { } file)
        {
            if (values.ContainsKey("--task-rate"))
            {
                throw new OptionsException("--profile", "give either --task-rate or --profile, not both");
            }

            options = options with { Profile = ArrivalProfiles.Parse(file, (readFile ?? File.ReadAllText)(file)) };
        }
        else if (options.TasksPerHour <= 0)
        {
            throw new OptionsException("--task-rate", "the arrival rate is missing: give --task-rate N (per hour) or --profile FILE");
        }

        if (options.Tasks is not null && (options.Duration is not null || options.Profile is not null))
        {
            throw new OptionsException("--tasks", "a run is bounded by --tasks, --duration or --profile: give one");
        }

        if (options.Duration is not null && options.Profile is not null)
        {
            throw new OptionsException("--duration", "a profile sets the duration itself");
        }

        if (options.Agents is null && !options.SearchesStaffing)
        {
            throw new OptionsException("--agents", "the number of agents is missing: give --agents N, or a target (--target-service-level, --max-abandon) to find it");
        }

        if (options.Agents is not null && options.SearchesStaffing)
        {
            throw new OptionsException("--agents", "a staffing search finds the number of agents: leave --agents out");
        }

        if (options.MaxAbandoned is not null && options.PatienceSeconds is null)
        {
            throw new OptionsException("--max-abandon", "customers give up only with --patience SECONDS");
        }

        return options;
    }

    private static WorkDistribution Distribution(string value)
    {
        var parts = value.Split(':', 2);
        return parts[0] switch
        {
            "exponential" when parts.Length == 1 => WorkDistribution.Exponential,
            "fixed" when parts.Length == 1 => new WorkDistribution(WorkShape.Fixed, 0),
            "lognormal" => new WorkDistribution(WorkShape.LogNormal, parts.Length == 2 ? Number("--handle-distribution", parts[1], 0, 10, exclusiveMin: true) : 1),
            _ => throw new OptionsException("--handle-distribution", $"'{value}' is not exponential, lognormal[:CV] or fixed"),
        };
    }

    private static double Share(string name, string value, bool exclusiveMax)
    {
        var percent = value.EndsWith('%');
        var share = Number(name, value.TrimEnd('%'), 0, percent ? 100 : 1, exclusiveMin: true) / (percent ? 100 : 1);
        return exclusiveMax && share >= 1 ? throw new OptionsException(name, $"{value} cannot be met: no queue answers every task within a threshold") : share;
    }

    private static TimeSpan Time(string name, string value)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 31_536_000)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero && span.TotalDays <= 365
            ? span
            : throw new OptionsException(name, $"'{value}' is not a positive time (seconds, or HH:MM:SS up to a year)");
    }

    internal static double Number(string name, string value, double min, double max, bool exclusiveMin = false)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new OptionsException(name, $"'{value}' is not a number");
        }

        var low = exclusiveMin ? number <= min : number < min;
        return low || number > max
            ? throw new OptionsException(name, FormattableString.Invariant($"{value} is outside {(exclusiveMin ? "(" : "[")}{min}, {max}]"))
            : number;
    }

    private static int Integer(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new OptionsException(name, FormattableString.Invariant($"'{value}' is not a whole number in {min}..{max}"));
}
