using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Finesse.Scenarios;

namespace MrdSimulator.Load.Config;

/// <summary>A run ready to start: scenario groups, engine options, and what must be disposed afterwards.</summary>
public sealed class BuiltRun : IAsyncDisposable
{
    internal BuiltRun(IReadOnlyList<ScenarioGroup> groups, EngineOptions options, FinesseTarget? target, HttpTarget? plainClient)
    {
        Groups = groups;
        Options = options;
        Target = target;
        PlainClient = plainClient;
    }

    public IReadOnlyList<ScenarioGroup> Groups { get; }

    public EngineOptions Options { get; }

    public FinesseTarget? Target { get; }

    private HttpTarget? PlainClient { get; }

    public IRunHooks? Hooks => Target is { Correlating: true } t ? t.Hooks : null;

    public async ValueTask DisposeAsync()
    {
        if (Target is not null)
        {
            await Target.DisposeAsync();
        }

        PlainClient?.Dispose();
    }
}

/// <summary>
/// Turns a <see cref="RunSpec"/> into scenarios. New scenario types (e.g. task handling) register here:
/// add a case to <see cref="CreateScenario"/> and the name to <see cref="ScenarioFileLoader.ScenarioTypes"/>.
/// </summary>
public static class RunBuilder
{
    public static BuiltRun Build(RunSpec spec, string? baseDirectory = null)
    {
        if (UrlCheck.Explain(spec.BaseUrl) is { } why)
        {
            throw new ScenarioFileException("command line", 0, 0, "base-url", why);
        }

        if (spec.Scenarios.Count == 0)
        {
            throw new ScenarioFileException("command line", 0, 0, "scenario", "no scenario to run");
        }

        var baseUrl = new Uri(spec.BaseUrl);
        FinesseTarget? target = null;
        HttpTarget? plain = null;
        if (spec.Scenarios.Any(s => s.Type != "http"))
        {
            target = new FinesseTarget(new FinesseOptions
            {
                BaseUrl = baseUrl,
                Password = spec.Password,
                NotificationTimeout = spec.NotificationTimeout,
                RequestTimeout = spec.RequestTimeout,
                MaxConnections = spec.MaxConnections,
                Notifications = spec.Notifications,
                NotificationPath = spec.NotificationPath,
                Xmpp = new Finesse.Xmpp.XmppSourceOptions
                {
                    Host = spec.XmppHost,
                    Port = spec.XmppPort,
                    Domain = spec.XmppDomain,
                    Tls = Enum.Parse<Finesse.Xmpp.XmppTlsMode>(spec.XmppTls, ignoreCase: true),
                    AcceptAnyCertificate = spec.XmppAcceptAnyCertificate,
                },
                LeanHttp = spec.HttpClient == "lean",
            });
        }

        if (spec.Scenarios.Any(s => s.Type == "http"))
        {
            plain = new HttpTarget(baseUrl, spec.MaxConnections, spec.RequestTimeout, spec.HttpClient == "lean");
        }

        var groups = new List<ScenarioGroup>();
        var shared = new List<WeightedScenario>();
        foreach (var s in spec.Scenarios)
        {
            var scenario = CreateScenario(s, spec, target, plain, baseDirectory);
            if (s.Load is { } own)
            {
                groups.Add(new ScenarioGroup([new WeightedScenario(scenario, s.Weight)], own, s.WarmUp ?? spec.WarmUp));
            }
            else
            {
                shared.Add(new WeightedScenario(scenario, s.Weight));
            }
        }

        if (shared.Count > 0)
        {
            if (spec.Load is null)
            {
                throw new ScenarioFileException("command line", 0, 0, "load", "no load simulation given (e.g. --load \"inject 100/s 30s\")");
            }

            groups.Add(new ScenarioGroup(shared, spec.Load, spec.WarmUp));
        }

        foreach (var g in groups)
        {
            if (!g.IsOpen && g.Scenarios.FirstOrDefault(w => w.Scenario is TaskFeedScenario) is { } feed)
            {
                throw new ScenarioFileException("command line", 0, 0, "load",
                    $"task-feed '{feed.Scenario.Name}' submits tasks at a rate: give it an open load (--rate, --task-rate or inject R/s D), not virtual users");
            }

            try
            {
                LoadSimulationParser.ValidateTimeline(g.Load);
            }
            catch (FormatException ex)
            {
                throw new ScenarioFileException("command line", 0, 0, "load", ex.Message);
            }
        }

        var options = new EngineOptions
        {
            TestName = spec.TestName,
            BaseUrl = spec.BaseUrl,
            ReportInterval = spec.ReportInterval,
            CoordinatedOmissionCorrection = spec.CoordinatedOmissionCorrection,
            ArrivalPattern = spec.Arrival,
            Seed = spec.Seed,
            DrainTimeout = spec.DrainTimeout,
            MaxFailCount = spec.MaxFailCount,
            Thresholds = spec.Thresholds,
        };
        return new BuiltRun(groups, options, target, plain);
    }

    private static IScenario CreateScenario(ScenarioSpec s, RunSpec spec, FinesseTarget? target, HttpTarget? plain, string? baseDirectory)
    {
        if (s.Type == "http")
        {
            return new HttpScenario(s.Name, plain!, new HttpScenarioOptions
            {
                Method = s.Method,
                Path = s.Path,
                Body = s.Body,
                ContentType = s.ContentType,
                ExpectStatus = s.ExpectStatus,
                BasicAuth = s.BasicAuth,
            });
        }

        if (s.Type == "task-handling" && !target!.Correlating)
        {
            throw new ScenarioFileException("command line", s.Line, 0, "notifications",
                $"scenario '{s.Name}': task-handling needs notifications (agents act on Dialog offers); use notifications: sse or xmpp");
        }

        var agents = AgentFeed.Parse(s.Agents, baseDirectory, s.AgentOrder, spec.Seed, s.Mrds);
        target!.AddPasswords(agents.Passwords);
        var options = new FinesseScenarioOptions
        {
            Agents = agents,
            Mrds = s.Mrds,
            Cycles = s.Cycles,
            NotReadyReasons = s.NotReadyReasons,
            LogoutReasons = s.LogoutReasons,
            ThinkTime = s.ThinkTime,
            AwaitNotifications = s.AwaitNotifications ?? s.Type != "hot-pair",
            CheckSilentReady = s.CheckSilentReady,
            Retry = s.Retry ?? RetryPolicy.DefaultFor(s.Type),
        };
        return s.Type switch
        {
            "task-handling" => new TaskHandlingScenario(s.Name, target!, options, s.Tasks),
            "task-feed" => new TaskFeedScenario(s.Name, target!, options, s.Tasks),
            "agent-shift" => new AgentShiftScenario(s.Name, target!, options),
            "state-storm" => new StateStormScenario(s.Name, target!, options),
            "hot-pair" => new HotPairScenario(s.Name, target!, options),
            _ => throw new ScenarioFileException("command line", s.Line, 0, "type", $"unknown scenario type '{s.Type}'"),
        };
    }
}
