using System.CommandLine;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Thresholds;
using Spectre.Console;

namespace MrdSimulator.Load.Cli;

/// <summary>The <c>mrdload</c> command line (System.CommandLine).</summary>
public static class CommandLine
{
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
        var file = new Argument<FileInfo?>("scenario-file")
        {
            Description = "YAML scenario file (see docs/load-driver.md). Omit it and use --builtin to run a built-in scenario.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var builtin = new Option<string?>("--builtin", "-b")
        {
            Description = "Built-in scenario to run instead of a file: agent-shift (sign in to MRDs, cycle READY/NOT_READY with reason codes, sign out), " +
                          "state-storm (many agents flipping state as fast as allowed), hot-pair (many clients on one agent×MRD pair, checking ordering), " +
                          "http (one plain request, no correlation; for raw throughput), " +
                          "task-handling (agents sign in to the task MRD and ACCEPT/START/WRAP_UP/CLOSE offered Dialogs, some sign out with TRANSFER while holding one; " +
                          "a task-feed submits --task-rate tasks per second to CCP and every task is accounted for: closed, queued, transferred, lost), " +
                          "task-feed (only the task submissions, an open load).",
        };
        builtin.AcceptOnlyFromAmong(ScenarioFileLoader.ScenarioTypes.ToArray());
        var baseUrl = new Option<string?>("--base-url", "-u") { Description = "Simulator base URL, e.g. http://127.0.0.1:5080 (default from the file, else http://127.0.0.1:5080)." };
        var password = new Option<string?>("--password") { Description = "Password of every agent for HTTP Basic auth (demo directory: 'password')." };
        var agents = new Option<string?>("--agents", "-a") { Description = "Agent ids for virtual users: a range 1000-1999, a list 1000,1234, or @file (one id a line). Default 1000-1999." };
        var mrds = new Option<string?>("--mrds") { Description = "Comma-separated MRD ids (default 5000,5001,5002, task scenarios 5002; state-storm spreads agents over them; hot-pair uses the first; the task feed spreads tasks over them)." };
        var load = new Option<string[]>("--load", "-l")
        {
            Description = "Load simulation(s), in order; replaces the file's. Closed: 'keep-constant 50 30s', 'ramp-constant 50 10s'. " +
                          "Open: 'inject 100/s 30s', 'ramp-inject 200/s 10s', 'inject-random 50..150/s 30s'. Both: 'pause 5s'. Separate with ';' or repeat the option.",
            AllowMultipleArgumentsPerToken = false,
        };
        var copies = new Option<int?>("--copies", "-c") { Description = "Closed model shortcut: keep this many virtual users for --duration (after --ramp)." };
        var rate = new Option<double?>("--rate", "-r") { Description = "Open model shortcut: inject this many iterations per second for --duration (after --ramp)." };
        var duration = new Option<string>("--duration", "-d") { Description = "Duration for --copies / --rate.", DefaultValueFactory = _ => "30s" };
        var ramp = new Option<string?>("--ramp") { Description = "Ramp up to --copies / --rate over this duration first (e.g. 10s)." };
        var warmUp = new Option<string?>("--warm-up", "-w") { Description = "Warm-up duration: the load runs but nothing is recorded (default 0s)." };
        var threshold = new Option<string[]>("--threshold", "-t")
        {
            Description = "Pass/fail rule, repeatable, added to the file's: 'p99 < 50ms', 'fail% < 0.1', 'lost_notifications = 0', " +
                          "'scenario/step: p95 <= 200ms', append 'abort' to stop the run as soon as it fails live. Exit code 1 when one fails.",
        };
        var maxFail = new Option<long?>("--max-fail-count") { Description = "Stop the run after this many failed steps (0 = never; default 5000)." };
        var notifTimeout = new Option<string?>("--notification-timeout") { Description = "A notification not received within this time counts as lost (default 5s)." };
        var notifications = new Option<string?>("--notifications")
        {
            Description = "Notification transport: sse (GET /notifications), xmpp (one XMPP client session per agent, pubsub events, as real Finesse clients) " +
                          "or none (no correlation).",
        };
        notifications.AcceptOnlyFromAmong("sse", "xmpp", "none");
        var xmpp = new XmppOptions();
        var noCo = new Option<bool>("--no-co-correction") { Description = "Open model: time requests from their actual start instead of their intended start (coordinated omission NOT corrected; for comparison)." };
        var arrival = new Option<string?>("--arrival") { Description = "Open model arrival spacing: uniform (default) or poisson." };
        arrival.AcceptOnlyFromAmong("uniform", "poisson");
        var reportFolder = new Option<string?>("--report-folder", "-o") { Description = "Folder for the reports (a sub-folder per run is created; default ./reports)." };
        var formats = new Option<string?>("--report-formats") { Description = "Comma-separated report formats: html,md,csv,json (default all; 'none' for no files)." };
        var interval = new Option<string?>("--report-interval") { Description = "Statistics interval for time series and the live view (default 1s)." };
        var maxConnections = new Option<int?>("--max-connections") { Description = "HTTP connections to the target (default 256)." };
        var httpClient = new Option<string?>("--http-client")
        {
            Description = "HTTP client: lean (default; the driver's own HTTP/1.1 client on pooled keep-alive sockets, plain http) or sockets (.NET SocketsHttpHandler; always used for https).",
        };
        httpClient.AcceptOnlyFromAmong("lean", "sockets");
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of the live table (automatic when output is not a terminal or CI is set)." };
        var seed = new Option<int?>("--seed") { Description = "Random seed (scenario choices, random feeds, poisson arrivals)." };
        var cycles = new Option<int?>("--cycles") { Description = "agent-shift: READY/NOT_READY cycles per shift (default 3)." };
        var name = new Option<string?>("--name") { Description = "Test name shown in reports." };
        var taskRate = new Option<double?>("--task-rate")
        {
            Description = "task-feed: tasks submitted per second (an open load over the run's duration; default 10 for --builtin task-handling). Replaces the feed's rate in a file.",
        };
        var tasksPerShift = new Option<int?>("--tasks-per-shift") { Description = "task-handling: tasks an agent handles before signing out (default 5)." };
        var transferShare = new Option<double?>("--transfer-share")
        {
            Description = "task-handling: share of shifts (0..1) that sign out with TRANSFER while holding an ACTIVE task, so it is resubmitted (default 0.2).",
        };
        var handleTime = new Option<string?>("--handle-time") { Description = "task-handling: work time between START and WRAP_UP (default 500ms)." };
        var path = new Option<string?>("--path") { Description = "http: request path (default /finesse/api/User/1000/Media/5000)." };
        var method = new Option<string?>("--method") { Description = "http: method (default PUT)." };
        var body = new Option<string?>("--body") { Description = "http: request body (default a READY Media document)." };
        var expect = new Option<int?>("--expect-status") { Description = "http: status counted as OK (default 202)." };
        var basicAuth = new Option<string?>("--basic-auth") { Description = "http: Basic credentials user:password (default: the user named in a /finesse/api/User/<id>/ path, with --password; 'none' sends no Authorization header)." };

        var chaosPlan = new Option<FileInfo?>("--chaos-plan") { Description = "Chaos plan (YAML) to start on the simulator with the run; its fault windows are drawn on the report's charts (needs --admin-token)." };
        var adminToken = new Option<string?>("--admin-token") { Description = "The simulator's admin token (default: MRDSIM_ADMIN_TOKEN)." };
        var command = new Command("run", "Run a scenario file or a built-in scenario against the simulator and write HTML, Markdown, CSV and JSON reports.")
        {
            file, builtin, baseUrl, password, agents, mrds, load, copies, rate, duration, ramp, warmUp, threshold, maxFail, notifTimeout, notifications,
            noCo, arrival, reportFolder, formats, interval, maxConnections, httpClient, plain, seed, cycles, name, path, method, body, expect, basicAuth,
            chaosPlan, adminToken, taskRate, tasksPerShift, transferShare, handleTime,
            xmpp.Host, xmpp.Port, xmpp.Domain, xmpp.Tls, xmpp.AcceptAnyCertificate,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            RunSpec spec;
            string? baseDirectory = null;
            try
            {
                var fileInfo = parse.GetValue(file);
                var builtinName = parse.GetValue(builtin);
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

                spec = ApplyOverrides(spec, parse, baseUrl, password, agents, mrds, load, copies, rate, duration, ramp, warmUp, threshold, maxFail,
                    notifTimeout, notifications, noCo, arrival, reportFolder, formats, interval, maxConnections, httpClient, seed, cycles, name, path, method, body, expect, basicAuth,
                    taskRate, tasksPerShift, transferShare, handleTime);
                spec = xmpp.Apply(spec, parse);
                spec = spec with
                {
                    ChaosPlanFile = parse.GetValue(chaosPlan)?.FullName ?? spec.ChaosPlanFile,
                    AdminToken = parse.GetValue(adminToken) ?? Environment.GetEnvironmentVariable("MRDSIM_ADMIN_TOKEN") ?? spec.AdminToken,
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

            var live = !parse.GetValue(plain) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null &&
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

    /// <summary>The <c>--xmpp-*</c> options (used with <c>--notifications xmpp</c>).</summary>
    private sealed class XmppOptions
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

    private static RunSpec ApplyOverrides(
        RunSpec spec, ParseResult p,
        Option<string?> baseUrl, Option<string?> password, Option<string?> agents, Option<string?> mrds, Option<string[]> load,
        Option<int?> copies, Option<double?> rate, Option<string> duration, Option<string?> ramp, Option<string?> warmUp,
        Option<string[]> threshold, Option<long?> maxFail, Option<string?> notifTimeout, Option<string?> notifications, Option<bool> noCo,
        Option<string?> arrival, Option<string?> reportFolder, Option<string?> formats, Option<string?> interval, Option<int?> maxConnections,
        Option<string?> httpClient, Option<int?> seed, Option<int?> cycles, Option<string?> name, Option<string?> path, Option<string?> method, Option<string?> body, Option<int?> expect, Option<string?> basicAuth,
        Option<double?> taskRate, Option<int?> tasksPerShift, Option<double?> transferShare, Option<string?> handleTime)
    {
        static ScenarioFileException Bad(string option, string reason) => new("command line", 0, 0, option, reason);

        static TimeSpan Dur(string option, string value) =>
            Durations.TryParse(value, out var d) ? d : throw Bad(option, $"'{value}' is not a duration (examples: 500ms, 30s, 1m)");

        if (p.GetValue(baseUrl) is { } url)
        {
            spec = UrlCheck.Explain(url) is { } why ? throw Bad("--base-url", why) : spec with { BaseUrl = url };
        }

        if (p.GetValue(password) is { } pw)
        {
            spec = spec with { Password = pw };
        }

        if (p.GetValue(name) is { } n)
        {
            spec = spec with { TestName = n };
        }

        if (p.GetValue(seed) is { } sd)
        {
            spec = spec with { Seed = sd };
        }

        if (p.GetValue(maxFail) is { } mf)
        {
            spec = mf < 0 ? throw Bad("--max-fail-count", "must not be negative") : spec with { MaxFailCount = mf };
        }

        if (p.GetValue(notifTimeout) is { } nt)
        {
            var d = Dur("--notification-timeout", nt);
            spec = d <= TimeSpan.Zero ? throw Bad("--notification-timeout", "must be positive") : spec with { NotificationTimeout = d };
        }

        if (p.GetValue(notifications) is { } nf)
        {
            spec = spec with { Notifications = nf };
        }

        if (p.GetValue(noCo))
        {
            spec = spec with { CoordinatedOmissionCorrection = false };
        }

        if (p.GetValue(arrival) is { } ar)
        {
            spec = spec with { Arrival = ar == "poisson" ? ArrivalPattern.Poisson : ArrivalPattern.Uniform };
        }

        if (p.GetValue(reportFolder) is { } rf)
        {
            spec = spec with { ReportFolder = rf };
        }

        if (p.GetValue(formats) is { } fm)
        {
            var list = fm == "none" ? [] : fm.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var unknown = list.FirstOrDefault(f => f is not ("html" or "md" or "csv" or "json"));
            spec = unknown is not null ? throw Bad("--report-formats", $"'{unknown}' is not one of html, md, csv, json") : spec with { ReportFormats = list };
        }

        if (p.GetValue(interval) is { } iv)
        {
            var d = Dur("--report-interval", iv);
            spec = d < TimeSpan.FromMilliseconds(100) ? throw Bad("--report-interval", "must be at least 100ms") : spec with { ReportInterval = d };
        }

        if (p.GetValue(maxConnections) is { } mc)
        {
            spec = mc < 1 ? throw Bad("--max-connections", "must be at least 1") : spec with { MaxConnections = mc };
        }

        if (p.GetValue(httpClient) is { } hc)
        {
            spec = spec with { HttpClient = hc };
        }

        if (p.GetValue(warmUp) is { } wu)
        {
            spec = spec with { WarmUp = Dur("--warm-up", wu) };
        }

        // Load: explicit simulations, or the --copies / --rate shortcuts.
        var sims = new List<LoadSimulation>();
        foreach (var text in p.GetValue(load) ?? [])
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

        var c = p.GetValue(copies);
        var r = p.GetValue(rate);
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
            var d = Dur("--duration", p.GetValue(duration)!);
            var rampText = p.GetValue(ramp);
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
        foreach (var t in p.GetValue(threshold) ?? [])
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
        var agentsValue = p.GetValue(agents);
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
        if (p.GetValue(mrds) is { } mrdText)
        {
            mrdList = [];
            foreach (var part in mrdText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                mrdList.Add(int.TryParse(part, out var id) ? id : throw Bad("--mrds", $"'{part}' is not an MRD id"));
            }
        }

        var pathValue = p.GetValue(path);
        if (pathValue is not null && !pathValue.StartsWith('/'))
        {
            throw Bad("--path", "must start with '/'");
        }

        var basicAuthValue = p.GetValue(basicAuth);
        if (basicAuthValue is not null && basicAuthValue != "none" && !basicAuthValue.Contains(':', StringComparison.Ordinal))
        {
            throw Bad("--basic-auth", "expected user:password (or 'none')");
        }

        var cyclesValue = p.GetValue(cycles);
        if (cyclesValue is < 0)
        {
            throw Bad("--cycles", "must not be negative");
        }

        var perShift = p.GetValue(tasksPerShift);
        if (perShift is < 1)
        {
            throw Bad("--tasks-per-shift", "must be at least 1");
        }

        var share = p.GetValue(transferShare);
        if (share is < 0 or > 1 || (share is { } sh && double.IsNaN(sh)))
        {
            throw Bad("--transfer-share", "must be between 0 and 1");
        }

        TimeSpan? handle = p.GetValue(handleTime) is { } ht ? Dur("--handle-time", ht) : null;
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
                Method = p.GetValue(method)?.ToUpperInvariant() ?? s.Method,
                Body = p.GetValue(body) ?? s.Body ?? (s.Type == "http" ? "<Media><state>READY</state></Media>" : null),
                ExpectStatus = p.GetValue(expect) ?? s.ExpectStatus,
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
        var rateValue = p.GetValue(taskRate);
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
            feeds.Add(s with { Load = [new Inject(rateValue ?? DefaultTaskRate, TimeSpan.FromSeconds(1), during)] });
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
}
