using System.CommandLine;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Thresholds;

namespace MrdSimulator.Load.Cli;

/// <summary>
/// The options of <c>mrdload run</c> and how each overrides what a scenario file or a built-in scenario says
/// (<see cref="Apply"/>): one place per option for its name, help text, accepted values and effect.
/// </summary>
internal sealed class RunOptions
{
    public Argument<FileInfo?> ScenarioFile { get; } = new("scenario-file")
    {
        Description = "YAML scenario file (see docs/load-driver.md). Omit it and use --builtin to run a built-in scenario.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<string?> Builtin { get; } = OneOf(new("--builtin", "-b")
    {
        Description = "Built-in scenario to run instead of a file: agent-shift (sign in to MRDs, cycle READY/NOT_READY with reason codes, sign out), " +
                      "state-storm (many agents flipping state as fast as allowed), hot-pair (many clients on one agent×MRD pair, checking ordering), " +
                      "http (one plain request, no correlation; for raw throughput), " +
                      "task-handling (agents sign in to the task MRD and ACCEPT/START/WRAP_UP/CLOSE offered Dialogs, some sign out with TRANSFER while holding one; " +
                      "a task-feed submits --task-rate tasks per second to CCP and every task is accounted for: closed, queued, transferred, lost), " +
                      "task-feed (only the task submissions, an open load).",
    }, ScenarioFileLoader.ScenarioTypes.ToArray());

    public Option<string?> BaseUrl { get; } = new("--base-url", "-u") { Description = "Simulator base URL, e.g. http://127.0.0.1:5080 (default from the file, else http://127.0.0.1:5080)." };

    public Option<string?> Password { get; } = new("--password") { Description = "Password of every agent for HTTP Basic auth (demo directory: 'password')." };

    public Option<string?> Agents { get; } = new("--agents", "-a") { Description = "Agent ids for virtual users: a range 1000-1999, a list 1000,1234, @file (one id a line), or @directory.yaml|.json (the simulator's directory file: its agents assigned to the scenario's MRDs, each with its own password). Default 1000-1999." };

    public Option<string?> Mrds { get; } = new("--mrds") { Description = "Comma-separated MRD ids (default 5000,5001,5002, task scenarios 5002; state-storm spreads agents over them; hot-pair uses the first; the task feed spreads tasks over them)." };

    public Option<string[]> Load { get; } = new("--load", "-l")
    {
        Description = "Load simulation(s), in order; replaces the file's. Closed: 'keep-constant 50 30s', 'ramp-constant 50 10s'. " +
                      "Open: 'inject 100/s 30s', 'ramp-inject 200/s 10s', 'inject-random 50..150/s 30s'. Both: 'pause 5s'. Separate with ';' or repeat the option.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<int?> Copies { get; } = new("--copies", "-c") { Description = "Closed model shortcut: keep this many virtual users for --duration (after --ramp)." };

    public Option<double?> Rate { get; } = new("--rate", "-r") { Description = "Open model shortcut: inject this many iterations per second for --duration (after --ramp)." };

    public Option<string> Duration { get; } = new("--duration", "-d") { Description = "Duration for --copies / --rate.", DefaultValueFactory = _ => "30s" };

    public Option<string?> Ramp { get; } = new("--ramp") { Description = "Ramp up to --copies / --rate over this duration first (e.g. 10s)." };

    public Option<string?> WarmUp { get; } = new("--warm-up", "-w") { Description = "Warm-up duration: the load runs but nothing is recorded (default 0s)." };

    public Option<string[]> Thresholds { get; } = new("--threshold", "-t")
    {
        Description = "Pass/fail rule, repeatable, added to the file's: 'p99 < 50ms', 'fail% < 0.1', 'lost_notifications = 0', " +
                      "'scenario/step: p95 <= 200ms', append 'abort' to stop the run as soon as it fails live. Exit code 1 when one fails.",
    };

    public Option<long?> MaxFailCount { get; } = new("--max-fail-count") { Description = "Stop the run after this many failed steps (0 = never; default 5000)." };

    public Option<string?> NotificationTimeout { get; } = new("--notification-timeout") { Description = "A notification not received within this time counts as lost (default 5s)." };

    public Option<string?> Notifications { get; } = OneOf(new("--notifications")
    {
        Description = "Notification transport: sse (GET /notifications), xmpp (one XMPP client session per agent, pubsub events, as real Finesse clients) " +
                      "or none (no correlation).",
    }, "sse", "xmpp", "none");

    public XmppOptions Xmpp { get; } = new();

    public RetryOptions Retry { get; } = new();

    public Option<bool> NoCoCorrection { get; } = new("--no-co-correction") { Description = "Open model: time requests from their actual start instead of their intended start (coordinated omission NOT corrected; for comparison)." };

    public Option<string?> Arrival { get; } = OneOf(new("--arrival") { Description = "Open model arrival spacing: uniform (default) or poisson." }, "uniform", "poisson");

    public Option<string?> ReportFolder { get; } = new("--report-folder", "-o") { Description = "Folder for the reports (a sub-folder per run is created; default ./reports)." };

    public Option<string?> ReportFormats { get; } = new("--report-formats") { Description = "Comma-separated report formats: html,md,csv,json (default all; 'none' for no files)." };

    public Option<string?> ReportInterval { get; } = new("--report-interval") { Description = "Statistics interval for time series and the live view (default 1s)." };

    public Option<int?> MaxConnections { get; } = new("--max-connections") { Description = "HTTP connections to the target (default 256)." };

    public Option<string?> HttpClient { get; } = OneOf(new("--http-client")
    {
        Description = "HTTP client: lean (default; the driver's own HTTP/1.1 client on pooled keep-alive sockets, plain http) or sockets (.NET SocketsHttpHandler; always used for https).",
    }, "lean", "sockets");

    public Option<bool> Plain { get; } = new("--plain") { Description = "Plain progress lines instead of the live table (automatic when output is not a terminal or CI is set)." };

    public Option<int?> Seed { get; } = new("--seed") { Description = "Random seed (scenario choices, random feeds, poisson arrivals)." };

    public Option<int?> Cycles { get; } = new("--cycles") { Description = "agent-shift: READY/NOT_READY cycles per shift (default 3)." };

    public Option<string?> TestName { get; } = new("--name") { Description = "Test name shown in reports." };

    public Option<double?> TaskRate { get; } = new("--task-rate")
    {
        Description = "task-feed: tasks submitted per second (an open load over the run's duration; default 10 for --builtin task-handling). Replaces the feed's rate in a file.",
    };

    public Option<int?> TasksPerShift { get; } = new("--tasks-per-shift") { Description = "task-handling: tasks an agent handles before signing out (default 5)." };

    public Option<double?> TransferShare { get; } = new("--transfer-share")
    {
        Description = "task-handling: share of shifts (0..1) that sign out with TRANSFER while holding an ACTIVE task, so it is resubmitted (default 0.2).",
    };

    public Option<string?> HandleTime { get; } = new("--handle-time") { Description = "task-handling: work time between START and WRAP_UP (default 500ms)." };

    public Option<string?> RequestPath { get; } = new("--path") { Description = "http: request path (default /finesse/api/User/1000/Media/5000)." };

    public Option<string?> Method { get; } = new("--method") { Description = "http: method (default PUT)." };

    public Option<string?> Body { get; } = new("--body") { Description = "http: request body (default a READY Media document)." };

    public Option<int?> ExpectStatus { get; } = new("--expect-status") { Description = "http: status counted as OK (default 202)." };

    public Option<string?> BasicAuth { get; } = new("--basic-auth") { Description = "http: Basic credentials user:password (default: the user named in a /finesse/api/User/<id>/ path, with --password; 'none' sends no Authorization header)." };

    public Option<FileInfo?> ChaosPlan { get; } = new("--chaos-plan") { Description = "Chaos plan (YAML) to start on the simulator with the run; its fault windows are drawn on the report's charts (needs --admin-token)." };

    public Option<string?> AdminToken { get; } = new("--admin-token") { Description = "The simulator's admin token (default: MRDSIM_ADMIN_TOKEN)." };

    /// <summary>Every option, in --help order.</summary>
    public IEnumerable<Option> Options =>
    [
        Builtin, BaseUrl, Password, Agents, Mrds,
        Load, Copies, Rate, Duration, Ramp, WarmUp,
        Thresholds, MaxFailCount, NotificationTimeout, Notifications, NoCoCorrection, Arrival,
        ReportFolder, ReportFormats, ReportInterval, MaxConnections, HttpClient, Plain, Seed, Cycles, TestName,
        TaskRate, TasksPerShift, TransferShare, HandleTime,
        RequestPath, Method, Body, ExpectStatus, BasicAuth,
        ChaosPlan, AdminToken,
        Retry.Mode, Retry.Attempts, Retry.Delay, Retry.MaxDelay, Retry.Multiplier, Retry.Jitter,
        Xmpp.Host, Xmpp.Port, Xmpp.Domain, Xmpp.Tls, Xmpp.AcceptAnyCertificate,
    ];

    /// <summary>Applies the options given on the command line to <paramref name="spec"/>; a wrong value throws naming the option.</summary>
    public RunSpec Apply(RunSpec spec, ParseResult p)
    {
        static ScenarioFileException Bad(string option, string reason) => new("command line", 0, 0, option, reason);

        static TimeSpan Dur(string option, string value) =>
            Durations.TryParse(value, out var d) ? d : throw Bad(option, $"'{value}' is not a duration (examples: 500ms, 30s, 1m)");

        if (p.GetValue(BaseUrl) is { } url)
        {
            spec = UrlCheck.Explain(url) is { } why ? throw Bad("--base-url", why) : spec with { BaseUrl = url };
        }

        if (p.GetValue(Password) is { } pw)
        {
            spec = spec with { Password = pw };
        }

        if (p.GetValue(TestName) is { } n)
        {
            spec = spec with { TestName = n };
        }

        if (p.GetValue(Seed) is { } sd)
        {
            spec = spec with { Seed = sd };
        }

        if (p.GetValue(MaxFailCount) is { } mf)
        {
            spec = mf < 0 ? throw Bad("--max-fail-count", "must not be negative") : spec with { MaxFailCount = mf };
        }

        if (p.GetValue(NotificationTimeout) is { } nt)
        {
            var d = Dur("--notification-timeout", nt);
            spec = d <= TimeSpan.Zero ? throw Bad("--notification-timeout", "must be positive") : spec with { NotificationTimeout = d };
        }

        if (p.GetValue(Notifications) is { } nf)
        {
            spec = spec with { Notifications = nf };
        }

        if (p.GetValue(NoCoCorrection))
        {
            spec = spec with { CoordinatedOmissionCorrection = false };
        }

        if (p.GetValue(Arrival) is { } ar)
        {
            spec = spec with { Arrival = ar == "poisson" ? ArrivalPattern.Poisson : ArrivalPattern.Uniform };
        }

        if (p.GetValue(ReportFolder) is { } rf)
        {
            spec = spec with { ReportFolder = rf };
        }

        if (p.GetValue(ReportFormats) is { } fm)
        {
            var list = fm == "none" ? [] : fm.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var unknown = list.FirstOrDefault(f => f is not ("html" or "md" or "csv" or "json"));
            spec = unknown is not null ? throw Bad("--report-formats", $"'{unknown}' is not one of html, md, csv, json") : spec with { ReportFormats = list };
        }

        if (p.GetValue(ReportInterval) is { } iv)
        {
            var d = Dur("--report-interval", iv);
            spec = d < TimeSpan.FromMilliseconds(100) ? throw Bad("--report-interval", "must be at least 100ms") : spec with { ReportInterval = d };
        }

        if (p.GetValue(MaxConnections) is { } mc)
        {
            spec = mc < 1 ? throw Bad("--max-connections", "must be at least 1") : spec with { MaxConnections = mc };
        }

        if (p.GetValue(HttpClient) is { } hc)
        {
            spec = spec with { HttpClient = hc };
        }

        if (p.GetValue(WarmUp) is { } wu)
        {
            spec = spec with { WarmUp = Dur("--warm-up", wu) };
        }

        // Load: explicit simulations, or the --copies / --rate shortcuts.
        var sims = new List<LoadSimulation>();
        foreach (var text in p.GetValue(Load) ?? [])
        {
            try
            {
                sims.AddRange(LoadSimulationParser.ParseList(text));
            }
            catch (FormatException ex)
            {
                throw Bad("--load", ex.Message);
            }
        }

        var c = p.GetValue(Copies);
        var r = p.GetValue(Rate);
        if (c is not null && r is not null)
        {
            throw Bad("--copies", "--copies (closed model) and --rate (open model) cannot be combined");
        }

        if ((c is not null || r is not null) && sims.Count > 0)
        {
            throw Bad("--load", "use either --load or the --copies / --rate shortcut");
        }

        if (c is not null || r is not null)
        {
            var d = Dur("--duration", p.GetValue(Duration)!);
            var rampText = p.GetValue(Ramp);
            try
            {
                if (c is { } copiesValue)
                {
                    if (rampText is not null)
                    {
                        sims.Add(LoadSimulationParser.Parse($"ramp-constant {copiesValue} {rampText}"));
                    }

                    sims.Add(new KeepConstant(copiesValue, d));
                }
                else
                {
                    var perSecond = r!.Value.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
                    if (rampText is not null)
                    {
                        sims.Add(LoadSimulationParser.Parse($"ramp-inject {perSecond}/s {rampText}"));
                    }

                    sims.Add(new Inject(r.Value, TimeSpan.FromSeconds(1), d));
                }

                LoadSimulationParser.ValidateTimeline(sims);
            }
            catch (FormatException ex)
            {
                throw Bad(c is not null ? "--copies" : "--rate", ex.Message);
            }
        }

        if (sims.Count > 0)
        {
            try
            {
                LoadSimulationParser.ValidateTimeline(sims);
            }
            catch (FormatException ex)
            {
                throw Bad("--load", ex.Message);
            }

            // A task feed keeps its own (open) load: its rate is --task-rate, not the agents' load.
            spec = spec with { Load = sims, Scenarios = spec.Scenarios.Select(s => s.Type == "task-feed" && s.Load is not null ? s : s with { Load = null }).ToList() };
        }

        var thresholds = new List<Threshold>(spec.Thresholds);
        foreach (var t in p.GetValue(Thresholds) ?? [])
        {
            try
            {
                thresholds.Add(ThresholdParser.Parse(t));
            }
            catch (ThresholdSyntaxException ex)
            {
                throw Bad("--threshold", ex.Message);
            }
        }

        spec = spec with { Thresholds = thresholds };

        // Scenario settings from the command line apply to every scenario.
        var agentsValue = p.GetValue(Agents);
        if (agentsValue is not null)
        {
            try
            {
                AgentFeed.Parse(agentsValue);
            }
            catch (FormatException ex)
            {
                throw Bad("--agents", ex.Message);
            }
        }

        List<int>? mrdList = null;
        if (p.GetValue(Mrds) is { } mrdText)
        {
            mrdList = [];
            foreach (var part in mrdText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                mrdList.Add(int.TryParse(part, out var id) ? id : throw Bad("--mrds", $"'{part}' is not an MRD id"));
            }
        }

        var pathValue = p.GetValue(RequestPath);
        if (pathValue is not null && !pathValue.StartsWith('/'))
        {
            throw Bad("--path", "must start with '/'");
        }

        var basicAuthValue = p.GetValue(BasicAuth);
        if (basicAuthValue is not null && basicAuthValue != "none" && !basicAuthValue.Contains(':', StringComparison.Ordinal))
        {
            throw Bad("--basic-auth", "expected user:password (or 'none')");
        }

        var cyclesValue = p.GetValue(Cycles);
        if (cyclesValue is < 0)
        {
            throw Bad("--cycles", "must not be negative");
        }

        var perShift = p.GetValue(TasksPerShift);
        if (perShift is < 1)
        {
            throw Bad("--tasks-per-shift", "must be at least 1");
        }

        var share = p.GetValue(TransferShare);
        if (share is < 0 or > 1 || (share is { } sh && double.IsNaN(sh)))
        {
            throw Bad("--transfer-share", "must be between 0 and 1");
        }

        TimeSpan? handle = p.GetValue(HandleTime) is { } ht ? Dur("--handle-time", ht) : null;
        if (handle < TimeSpan.Zero)
        {
            throw Bad("--handle-time", "must not be negative");
        }

        spec = spec with
        {
            Scenarios = spec.Scenarios.Select(s => s with
            {
                Agents = agentsValue ?? s.Agents,
                Mrds = mrdList ?? s.Mrds,
                Cycles = cyclesValue ?? s.Cycles,
                Path = pathValue ?? s.Path,
                Method = p.GetValue(Method)?.ToUpperInvariant() ?? s.Method,
                Body = p.GetValue(Body) ?? s.Body ?? (s.Type == "http" ? "<Media><state>READY</state></Media>" : null),
                ExpectStatus = p.GetValue(ExpectStatus) ?? s.ExpectStatus,
                BasicAuth = basicAuthValue == "none" ? null : basicAuthValue ?? s.BasicAuth ?? (s.Type == "http" ? FinesseUserCredentials(pathValue ?? s.Path, spec.Password) : null),
                Tasks = s.Tasks with
                {
                    TasksPerShift = perShift ?? s.Tasks.TasksPerShift,
                    TransferShare = share ?? s.Tasks.TransferShare,
                    HandleTime = handle ?? s.Tasks.HandleTime,
                },
            }).ToList(),
        };

        // The task feed's rate: --task-rate over its timeline, or the built-in default over the run's load.
        var rateValue = p.GetValue(TaskRate);
        if (rateValue is not null && (!(rateValue > 0) || rateValue > 1_000_000))
        {
            throw Bad("--task-rate", "must be a positive number of tasks per second (at most 1000000)");
        }

        var feeds = new List<ScenarioSpec>();
        foreach (var s in spec.Scenarios)
        {
            if (s.Type != "task-feed" || (rateValue is null && !s.FeedFollowsRun))
            {
                feeds.Add(s);
                continue;
            }

            var timeline = (s.FeedFollowsRun ? spec.Load : s.Load ?? spec.Load) ?? throw Bad("--load", "no load simulation: give --load, --copies or --rate");
            var during = TimeSpan.FromTicks(timeline.Sum(x => x.During.Ticks));
            feeds.Add(s with { Load = [new Inject(rateValue ?? CommandLine.DefaultTaskRate, TimeSpan.FromSeconds(1), during)] });
        }

        spec = spec with { Scenarios = feeds };

        if (spec.Load is null && spec.Scenarios.Any(s => s.Load is null))
        {
            throw Bad("--load", "no load simulation: give --load, --copies or --rate (or a load in the scenario file)");
        }

        // One agent per closed virtual user.
        foreach (var s in spec.Scenarios.Where(s => s.Type is "agent-shift" or "state-storm" or "task-handling"))
        {
            var timeline = s.Load ?? spec.Load!;
            var most = timeline.Select(l => l switch { KeepConstant k => k.Copies, RampingConstant rc => rc.Copies, _ => 0 }).DefaultIfEmpty(0).Max();
            var count = AgentFeed.Parse(s.Agents, null).Count;
            if (most > count && !s.Agents.StartsWith('@'))
            {
                throw Bad("--copies", $"{most} virtual users need {most} agents but scenario '{s.Name}' has {count} (one agent per virtual user; widen --agents)");
            }
        }

        spec = Xmpp.Apply(spec, p);
        spec = Retry.Apply(spec, p);
        return spec;
    }

    /// <summary>Every Finesse endpoint authenticates: a request on a user's own object goes as that user by default.</summary>
    private static string? FinesseUserCredentials(string path, string password)
    {
        const string prefix = "/finesse/api/User/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path.AsSpan(prefix.Length);
        var end = rest.IndexOfAny('/', '?');
        var user = end < 0 ? rest : rest[..end];
        return user.IsEmpty ? null : $"{user}:{password}";
    }

    private static Option<string?> OneOf(Option<string?> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}

/// <summary>The <c>--retry*</c> options: the retry policy of every scenario that has one (<see cref="RetryPolicy"/>).</summary>
internal sealed class RetryOptions
{
    public Option<string?> Mode { get; } = CreateMode();

    public Option<int?> Attempts { get; } = new("--retry-attempts") { Description = "Attempts per request, the first included (default 4; 1 = no retry, only the pause after failures)." };

    public Option<string?> Delay { get; } = new("--retry-delay") { Description = "Pause after a first failure (default 100ms); each further consecutive failure multiplies it by --retry-multiplier." };

    public Option<string?> MaxDelay { get; } = new("--retry-max-delay") { Description = "Longest pause between a virtual user's failing requests (default 5s)." };

    public Option<double?> Multiplier { get; } = new("--retry-multiplier") { Description = "Growth of the pause per consecutive failure, 1..10 (default 2)." };

    public Option<double?> Jitter { get; } = new("--retry-jitter") { Description = "Up to this share (0..1) of each pause is taken off at random, so that users failing together do not retry together (default 0.5)." };

    /// <summary>Which option sets each <see cref="RetryPolicy.Problem"/> field.</summary>
    private Dictionary<string, string> OptionOf => new(StringComparer.Ordinal)
    {
        ["maxAttempts"] = Attempts.Name,
        ["initialDelay"] = Delay.Name,
        ["multiplier"] = Multiplier.Name,
        ["maxDelay"] = MaxDelay.Name,
        ["jitter"] = Jitter.Name,
    };

    private static Option<string?> CreateMode()
    {
        var mode = new Option<string?>("--retry")
        {
            Description = "Retry requests that fail with a 5xx or a refused or reset connection, after a pause that grows exponentially with the virtual user's " +
                          "consecutive failures, with jitter: on (default for agent-shift, state-storm and task-handling) or off (default for hot-pair). " +
                          "Retries are reported as steps of their own (<step>.retry). http and task-feed send each request once.",
        };
        mode.AcceptOnlyFromAmong("on", "off");
        return mode;
    }

    public RunSpec Apply(RunSpec spec, ParseResult p)
    {
        var mode = p.GetValue(Mode);
        var tuning = new (Option Option, bool Given)[]
        {
            (Attempts, p.GetValue(Attempts) is not null), (Delay, p.GetValue(Delay) is not null), (MaxDelay, p.GetValue(MaxDelay) is not null),
            (Multiplier, p.GetValue(Multiplier) is not null), (Jitter, p.GetValue(Jitter) is not null),
        }.Where(t => t.Given).Select(t => t.Option.Name).ToList();
        if (mode is null && tuning.Count == 0)
        {
            return spec;
        }

        var first = mode is not null ? Mode.Name : tuning[0];
        if (!spec.Scenarios.Any(s => RetryPolicy.SupportedTypes.Contains(s.Type)))
        {
            throw Bad(first, $"no scenario of this run retries (retries apply to {string.Join(", ", RetryPolicy.SupportedTypes)}; this run has {string.Join(", ", spec.Scenarios.Select(s => s.Type).Distinct())})");
        }

        if (mode == "off" && tuning.Count > 0)
        {
            throw Bad(tuning[0], $"{tuning[0]} tunes retries, which --retry off turns off");
        }

        TimeSpan? Dur(Option<string?> option) =>
            p.GetValue(option) is not { } text ? null
            : Durations.TryParse(text, out var d) ? d
            : throw Bad(option.Name, $"'{text}' is not a duration (examples: 100ms, 2s)");
        var delay = Dur(Delay);
        var maxDelay = Dur(MaxDelay);
        var scenarios = new List<ScenarioSpec>();
        foreach (var s in spec.Scenarios)
        {
            if (!RetryPolicy.SupportedTypes.Contains(s.Type))
            {
                scenarios.Add(s);
                continue;
            }

            var current = s.Retry ?? RetryPolicy.DefaultFor(s.Type);
            var policy = current with
            {
                Enabled = mode is null ? current.Enabled : mode == "on",
                MaxAttempts = p.GetValue(Attempts) ?? current.MaxAttempts,
                InitialDelay = delay ?? current.InitialDelay,
                MaxDelay = maxDelay ?? current.MaxDelay,
                Multiplier = p.GetValue(Multiplier) ?? current.Multiplier,
                Jitter = p.GetValue(Jitter) ?? current.Jitter,
            };
            if (policy.Problem() is { } problem)
            {
                throw Bad(OptionOf[problem.Field], problem.Reason);
            }

            scenarios.Add(s with { Retry = policy });
        }

        return spec with { Scenarios = scenarios };
    }

    private static ScenarioFileException Bad(string option, string reason) => new("command line", 0, 0, option, reason);
}

/// <summary>The <c>--xmpp-*</c> options (used with <c>--notifications xmpp</c>).</summary>
internal sealed class XmppOptions
{
    public Option<string?> Host { get; } = new("--xmpp-host") { Description = "XMPP server host for --notifications xmpp (default: the base URL's host)." };

    public Option<int?> Port { get; } = new("--xmpp-port") { Description = "XMPP client-to-server TCP port (default 5222; the simulator's --xmpp-port)." };

    public Option<string?> Domain { get; } = new("--xmpp-domain")
    {
        Description = "XMPP domain of the JIDs (default: xmppDomain from GET /finesse/api/SystemInfo, as Finesse clients read it).",
    };

    public Option<string?> Tls { get; } = CreateTls();

    public Option<bool> AcceptAnyCertificate { get; } = new("--xmpp-accept-any-certificate")
    {
        Description = "Accept any XMPP server certificate after STARTTLS, e.g. the simulator's self-signed development certificate (default: system trust, checked against the XMPP domain).",
    };

    private static Option<string?> CreateTls()
    {
        var tls = new Option<string?>("--xmpp-tls")
        {
            Description = "STARTTLS: auto (default; when the server offers it — the simulator does only with a certificate configured), required, or off.",
        };
        tls.AcceptOnlyFromAmong("auto", "required", "off");
        return tls;
    }

    public RunSpec Apply(RunSpec spec, ParseResult p)
    {
        if (p.GetValue(Host) is { } host)
        {
            spec = XmppCheck.Host(host) is { } why ? throw new ScenarioFileException("command line", 0, 0, "--xmpp-host", why) : spec with { XmppHost = host };
        }

        if (p.GetValue(Port) is { } port)
        {
            spec = port is < 1 or > 65535
                ? throw new ScenarioFileException("command line", 0, 0, "--xmpp-port", $"{port} is not a TCP port (1..65535)")
                : spec with { XmppPort = port };
        }

        if (p.GetValue(Domain) is { } domain)
        {
            spec = XmppCheck.Domain(domain) is { } why ? throw new ScenarioFileException("command line", 0, 0, "--xmpp-domain", why) : spec with { XmppDomain = domain };
        }

        if (p.GetValue(Tls) is { } tls)
        {
            spec = spec with { XmppTls = tls };
        }

        if (p.GetValue(AcceptAnyCertificate))
        {
            spec = spec with { XmppAcceptAnyCertificate = true };
        }

        return spec;
    }
}
