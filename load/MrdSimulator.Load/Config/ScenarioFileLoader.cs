using System.Globalization;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Scenarios;
using MrdSimulator.Load.Thresholds;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MrdSimulator.Load.Config;

/// <summary>
/// Reads a YAML scenario file strictly: an unknown field, a wrong type, an impossible rate or a wrong URL
/// fails with the file, the line and column, the field and the reason, before anything is sent.
/// </summary>
public static class ScenarioFileLoader
{
    public static readonly IReadOnlyList<string> ScenarioTypes = ["agent-shift", "state-storm", "hot-pair", "http", "task-handling", "task-feed"];

    /// <summary>Fields that only mean something for one scenario type.</summary>
    private static readonly Dictionary<string, string> TypeOnlyFields = new(StringComparer.Ordinal)
    {
        ["tasksPerShift"] = "task-handling",
        ["transferShare"] = "task-handling",
        ["pauseShare"] = "task-handling",
        ["ronaShare"] = "task-handling",
        ["handleTime"] = "task-handling",
        ["wrapUpTime"] = "task-handling",
        ["maxDialogLimit"] = "task-handling",
        ["feed"] = "task-feed",
        ["scriptSelector"] = "task-feed",
    };

    private static readonly string[] TopFields = ["name", "target", "settings", "load", "warmUp", "scenarios", "thresholds"];
    private static readonly string[] TargetFields =
    [
        "baseUrl", "password", "notifications", "notificationPath", "notificationTimeout", "requestTimeout", "maxConnections", "httpClient",
        "xmppHost", "xmppPort", "xmppDomain", "xmppTls", "xmppAcceptAnyCertificate",
    ];
    private static readonly string[] SettingsFields =
        ["reportFolder", "reportFormats", "reportInterval", "maxFailCount", "coordinatedOmissionCorrection", "arrival", "seed", "drainTimeout"];
    private static readonly string[] ScenarioFields =
    [
        "name", "type", "weight", "agents", "agentOrder", "mrds", "cycles", "notReadyReasons", "logoutReasons", "thinkTime",
        "awaitNotifications", "checkSilentReady", "method", "path", "body", "contentType", "expectStatus", "basicAuth", "load", "warmUp",
        "tasksPerShift", "transferShare", "pauseShare", "ronaShare", "handleTime", "wrapUpTime", "maxDialogLimit", "feed", "scriptSelector",
        "retry",
    ];
    private static readonly string[] RetryFields = ["maxAttempts", "initialDelay", "multiplier", "maxDelay", "jitter"];

    public static RunSpec Load(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new ScenarioFileException(path, 0, 0, "file", "does not exist");
        }

        return Parse(System.IO.File.ReadAllText(path), path);
    }

    public static RunSpec Parse(string yaml, string file = "<scenario>")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ScenarioFileException(file, (int)ex.Start.Line, (int)ex.Start.Column, "yaml", ex.Message);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioFileException(file, 1, 1, "document", "expected a mapping with 'scenarios' (and optionally target, settings, load, thresholds)");
        }

        var r = new Reader(file);
        var top = r.Map(root, "", TopFields);
        var spec = new RunSpec();
        if (top.TryGet("name", out var name))
        {
            spec = spec with { TestName = r.String(name, "name") };
        }

        if (top.TryGet("target", out var targetNode))
        {
            var t = r.Map(targetNode, "target", TargetFields);
            if (t.TryGet("baseUrl", out var n))
            {
                spec = spec with { BaseUrl = r.Url(n, "target.baseUrl") };
            }

            if (t.TryGet("password", out n))
            {
                spec = spec with { Password = r.String(n, "target.password") };
            }

            if (t.TryGet("notifications", out n))
            {
                spec = spec with { Notifications = r.OneOf(n, "target.notifications", ["sse", "xmpp", "none"]) };
            }

            if (t.TryGet("notificationPath", out n))
            {
                spec = spec with { NotificationPath = r.String(n, "target.notificationPath") };
            }

            if (t.TryGet("notificationTimeout", out n))
            {
                spec = spec with { NotificationTimeout = r.Duration(n, "target.notificationTimeout", positive: true) };
            }

            if (t.TryGet("requestTimeout", out n))
            {
                spec = spec with { RequestTimeout = r.Duration(n, "target.requestTimeout", positive: true) };
            }

            if (t.TryGet("httpClient", out n))
            {
                spec = spec with { HttpClient = r.OneOf(n, "target.httpClient", ["lean", "sockets"]) };
            }

            if (t.TryGet("maxConnections", out n))
            {
                spec = spec with { MaxConnections = r.Int(n, "target.maxConnections", 1, 100_000) };
            }

            spec = r.Xmpp(t, spec);
        }

        if (top.TryGet("settings", out var settingsNode))
        {
            var s = r.Map(settingsNode, "settings", SettingsFields);
            if (s.TryGet("reportFolder", out var n))
            {
                spec = spec with { ReportFolder = r.String(n, "settings.reportFolder") };
            }

            if (s.TryGet("reportFormats", out n))
            {
                spec = spec with { ReportFormats = r.StringList(n, "settings.reportFormats", ["html", "md", "csv", "json"]) };
            }

            if (s.TryGet("reportInterval", out n))
            {
                spec = spec with { ReportInterval = r.Duration(n, "settings.reportInterval", positive: true) };
            }

            if (s.TryGet("maxFailCount", out n))
            {
                spec = spec with { MaxFailCount = r.Int(n, "settings.maxFailCount", 0, int.MaxValue) };
            }

            if (s.TryGet("coordinatedOmissionCorrection", out n))
            {
                spec = spec with { CoordinatedOmissionCorrection = r.Bool(n, "settings.coordinatedOmissionCorrection") };
            }

            if (s.TryGet("arrival", out n))
            {
                spec = spec with { Arrival = r.OneOf(n, "settings.arrival", ["uniform", "poisson"]) == "poisson" ? ArrivalPattern.Poisson : ArrivalPattern.Uniform };
            }

            if (s.TryGet("seed", out n))
            {
                spec = spec with { Seed = r.Int(n, "settings.seed", int.MinValue, int.MaxValue) };
            }

            if (s.TryGet("drainTimeout", out n))
            {
                spec = spec with { DrainTimeout = r.Duration(n, "settings.drainTimeout", positive: false) };
            }
        }

        if (top.TryGet("load", out var loadNode))
        {
            spec = spec with { Load = r.Load(loadNode, "load") };
        }

        if (top.TryGet("warmUp", out var warmNode))
        {
            spec = spec with { WarmUp = r.Duration(warmNode, "warmUp", positive: false) };
        }

        if (!top.TryGet("scenarios", out var scenariosNode))
        {
            throw new ScenarioFileException(file, (int)root.Start.Line, (int)root.Start.Column, "scenarios", "missing: list at least one scenario");
        }

        if (scenariosNode is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            throw r.Error(scenariosNode, "scenarios", "expected a non-empty list of scenarios");
        }

        var scenarios = new List<ScenarioSpec>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            scenarios.Add(r.Scenario(seq.Children[i], $"scenarios[{i}]", spec.Load));
        }

        var duplicate = scenarios.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var second = duplicate.Skip(1).First();
            throw new ScenarioFileException(file, second.Line, 1, "scenarios.name", $"scenario name '{duplicate.Key}' is used twice");
        }

        spec = spec with { Scenarios = scenarios };

        if (top.TryGet("thresholds", out var thresholdsNode))
        {
            if (thresholdsNode is not YamlSequenceNode ts)
            {
                throw r.Error(thresholdsNode, "thresholds", "expected a list of rules such as \"p99 < 50ms\"");
            }

            var list = new List<Threshold>();
            foreach (var item in ts.Children)
            {
                // "- step: p99 < 50ms" is a one-entry mapping in YAML; read it as the scoped rule it was meant to be.
                var text = item is YamlMappingNode { Children.Count: 1 } scoped
                    ? $"{r.String(scoped.Children.First().Key, "thresholds")}: {r.String(scoped.Children.First().Value, "thresholds")}"
                    : r.String(item, "thresholds");
                try
                {
                    list.Add(ThresholdParser.Parse(text));
                }
                catch (ThresholdSyntaxException ex)
                {
                    throw r.Error(item, "thresholds", ex.Message);
                }
            }

            spec = spec with { Thresholds = list };
        }

        return spec;
    }

    private sealed class Reader(string file)
    {
        public ScenarioFileException Error(YamlNode node, string field, string reason) =>
            new(file, (int)node.Start.Line, (int)node.Start.Column, field, reason);

        public Fields Map(YamlNode node, string path, string[] allowed)
        {
            if (node is not YamlMappingNode map)
            {
                throw Error(node, path, "expected a mapping (field: value)");
            }

            var result = new Fields();
            foreach (var (keyNode, value) in map.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                var where = path.Length == 0 ? key : $"{path}.{key}";
                if (!allowed.Contains(key, StringComparer.Ordinal))
                {
                    var near = allowed.FirstOrDefault(a => a.Equals(key, StringComparison.OrdinalIgnoreCase));
                    throw Error(keyNode, where, near is not null
                        ? $"unknown field '{key}' (did you mean '{near}'?)"
                        : $"unknown field '{key}' (allowed: {string.Join(", ", allowed)})");
                }

                result.Values[key] = value;
            }

            return result;
        }

        /// <summary>The <c>target.xmpp*</c> fields (used with <c>notifications: xmpp</c>).</summary>
        public RunSpec Xmpp(Fields t, RunSpec spec)
        {
            if (t.TryGet("xmppHost", out var n))
            {
                var host = String(n, "target.xmppHost");
                spec = XmppCheck.Host(host) is { } why ? throw Error(n, "target.xmppHost", why) : spec with { XmppHost = host };
            }

            if (t.TryGet("xmppPort", out n))
            {
                spec = spec with { XmppPort = Int(n, "target.xmppPort", 1, 65535) };
            }

            if (t.TryGet("xmppDomain", out n))
            {
                var domain = String(n, "target.xmppDomain");
                spec = XmppCheck.Domain(domain) is { } why ? throw Error(n, "target.xmppDomain", why) : spec with { XmppDomain = domain };
            }

            if (t.TryGet("xmppTls", out n))
            {
                spec = spec with { XmppTls = OneOf(n, "target.xmppTls", ["auto", "required", "off"]) };
            }

            if (t.TryGet("xmppAcceptAnyCertificate", out n))
            {
                spec = spec with { XmppAcceptAnyCertificate = Bool(n, "target.xmppAcceptAnyCertificate") };
            }

            return spec;
        }

        public string String(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, field, "expected a text value");

        public string OneOf(YamlNode node, string field, string[] allowed)
        {
            var v = String(node, field);
            return allowed.Contains(v, StringComparer.Ordinal) ? v : throw Error(node, field, $"'{v}' is not one of {string.Join(", ", allowed)}");
        }

        public int Int(YamlNode node, string field, int min, int max)
        {
            var v = String(node, field);
            if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                throw Error(node, field, $"'{v}' is not a whole number");
            }

            return n < min || n > max ? throw Error(node, field, $"{n} is out of range ({min}..{max})") : n;
        }

        public double Double(YamlNode node, string field, double min)
        {
            var v = String(node, field);
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n) || double.IsInfinity(n))
            {
                throw Error(node, field, $"'{v}' is not a number");
            }

            return n < min ? throw Error(node, field, $"{v} must be at least {min.ToString(CultureInfo.InvariantCulture)}") : n;
        }

        /// <summary>The task scenarios' fields (which type may use which is checked before).</summary>
        private TaskScenarioOptions TaskOptions(Fields f, string path)
        {
            var d = new TaskScenarioOptions();
            T Read<T>(string key, T current, Func<YamlNode, string, T> read) => f.TryGet(key, out var n) ? read(n, $"{path}.{key}") : current;
            return d with
            {
                TasksPerShift = Read("tasksPerShift", d.TasksPerShift, (n, p) => Int(n, p, 1, 1_000_000)),
                TransferShare = Read("transferShare", d.TransferShare, Share),
                PauseShare = Read("pauseShare", d.PauseShare, Share),
                RonaShare = Read("ronaShare", d.RonaShare, Share),
                HandleTime = Read("handleTime", d.HandleTime, (n, p) => Duration(n, p, positive: false)),
                WrapUpTime = Read("wrapUpTime", d.WrapUpTime, (n, p) => Duration(n, p, positive: false)),
                MaxDialogLimit = Read("maxDialogLimit", d.MaxDialogLimit, (n, p) => Int(n, p, 1, 100)),
                Feed = Read("feed", d.Feed, (n, p) => Int(n, p, 0, int.MaxValue)),
                ScriptSelector = Read("scriptSelector", d.ScriptSelector, ScriptSelector),
            };
        }

        /// <summary><c>retry: on | off</c>, or a mapping of the policy's settings (unset ones keep their defaults; a mapping turns retries on).</summary>
        private RetryPolicy Retry(YamlNode node, string field)
        {
            if (node is YamlScalarNode)
            {
                return OneOf(node, field, ["on", "off"]) == "on" ? new RetryPolicy() : RetryPolicy.Off;
            }

            var f = Map(node, field, RetryFields);
            var d = new RetryPolicy();
            T Read<T>(string key, T current, Func<YamlNode, string, T> read) => f.TryGet(key, out var n) ? read(n, $"{field}.{key}") : current;
            var policy = d with
            {
                MaxAttempts = Read("maxAttempts", d.MaxAttempts, (n, p) => Int(n, p, 1, 100)),
                InitialDelay = Read("initialDelay", d.InitialDelay, (n, p) => Duration(n, p, positive: true)),
                Multiplier = Read("multiplier", d.Multiplier, (n, p) => Double(n, p, 1)),
                MaxDelay = Read("maxDelay", d.MaxDelay, (n, p) => Duration(n, p, positive: true)),
                Jitter = Read("jitter", d.Jitter, Share),
            };
            return policy.Problem() is { } problem
                ? throw Error(f.Values.GetValueOrDefault(problem.Field) ?? node, $"{field}.{problem.Field}", problem.Reason)
                : policy;
        }

        /// <summary>A script selector as CCP takes it: 1 to 32 characters, no spaces.</summary>
        private string? ScriptSelector(YamlNode node, string field)
        {
            var v = String(node, field).Trim();
            return v.Length is > 0 and <= 32 && !v.Any(char.IsWhiteSpace)
                ? v
                : throw Error(node, field, $"'{v}' is not a script selector (1 to 32 characters, no spaces; CCP's limit)");
        }

        /// <summary>A share: 0..1, or a percentage such as 20%.</summary>
        public double Share(YamlNode node, string field)
        {
            var v = String(node, field).Trim();
            var percent = v.EndsWith('%');
            if (!double.TryParse(percent ? v[..^1] : v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n))
            {
                throw Error(node, field, $"'{v}' is not a share (0 to 1, or a percentage such as 20%)");
            }

            n = percent ? n / 100 : n;
            return n is < 0 or > 1 ? throw Error(node, field, $"'{v}' is outside 0..1 (0% to 100%)") : n;
        }

        public bool Bool(YamlNode node, string field)
        {
            var v = String(node, field);
            return v switch
            {
                "true" or "True" or "yes" => true,
                "false" or "False" or "no" => false,
                _ => throw Error(node, field, $"'{v}' is not true or false"),
            };
        }

        public TimeSpan Duration(YamlNode node, string field, bool positive)
        {
            var v = String(node, field);
            if (!Durations.TryParse(v, out var d))
            {
                throw Error(node, field, $"'{v}' is not a duration (examples: 500ms, 30s, 1m30s)");
            }

            return positive && d <= TimeSpan.Zero ? throw Error(node, field, "must be positive") : d;
        }

        public string Url(YamlNode node, string field)
        {
            var v = String(node, field);
            return UrlCheck.Explain(v) is { } why ? throw Error(node, field, why) : v;
        }

        public IReadOnlyList<string> StringList(YamlNode node, string field, string[]? allowed = null)
        {
            var items = node switch
            {
                YamlSequenceNode s => s.Children.Select(c => (c, String(c, field))).ToList(),
                YamlScalarNode sc => String(sc, field).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => ((YamlNode)sc, x)).ToList(),
                _ => throw Error(node, field, "expected a list"),
            };
            foreach (var (n, v) in items)
            {
                if (allowed is not null && !allowed.Contains(v, StringComparer.Ordinal))
                {
                    throw Error(n, field, $"'{v}' is not one of {string.Join(", ", allowed)}");
                }
            }

            return items.Select(i => i.Item2).ToList();
        }

        public IReadOnlyList<LoadSimulation> Load(YamlNode node, string field)
        {
            var items = node switch
            {
                YamlSequenceNode s => s.Children.ToList(),
                YamlScalarNode => [node],
                _ => throw Error(node, field, "expected a list of load simulations such as \"inject 100/s 30s\""),
            };
            var sims = new List<LoadSimulation>();
            foreach (var item in items)
            {
                try
                {
                    sims.Add(LoadSimulationParser.Parse(String(item, field)));
                }
                catch (FormatException ex)
                {
                    throw Error(item, field, ex.Message);
                }
            }

            try
            {
                LoadSimulationParser.ValidateTimeline(sims);
            }
            catch (FormatException ex)
            {
                throw Error(node, field, ex.Message);
            }

            return sims;
        }

        public ScenarioSpec Scenario(YamlNode node, string path, IReadOnlyList<LoadSimulation>? sharedLoad)
        {
            var f = Map(node, path, ScenarioFields);
            if (!f.TryGet("name", out var nameNode))
            {
                throw Error(node, path + ".name", "missing: every scenario needs a name");
            }

            var name = String(nameNode, path + ".name");
            if (!f.TryGet("type", out var typeNode))
            {
                throw Error(node, path + ".type", $"missing: one of {string.Join(", ", ScenarioTypes)}");
            }

            var type = String(typeNode, path + ".type");
            if (!ScenarioTypes.Contains(type))
            {
                throw Error(typeNode, path + ".type", $"unknown scenario type '{type}' (one of {string.Join(", ", ScenarioTypes)})");
            }

            foreach (var (field, value) in f.Values)
            {
                if (TypeOnlyFields.TryGetValue(field, out var only) && only != type)
                {
                    throw Error(value, $"{path}.{field}", $"'{field}' applies to {only} scenarios only, not to {type}");
                }
            }

            var s = new ScenarioSpec { Name = name, Type = type, Line = (int)node.Start.Line };
            if (ScenarioSpec.IsTaskType(type))
            {
                s = s with { Mrds = ScenarioSpec.TaskMrds };
            }
            if (f.TryGet("weight", out var n))
            {
                s = s with { Weight = Double(n, path + ".weight", 0) };
            }

            if (f.TryGet("agents", out n))
            {
                var v = String(n, path + ".agents");
                try
                {
                    AgentFeed.Parse(v, Path.GetDirectoryName(Path.GetFullPath(file)));
                }
                catch (FormatException ex)
                {
                    throw Error(n, path + ".agents", ex.Message);
                }

                s = s with { Agents = v };
            }

            if (f.TryGet("agentOrder", out n))
            {
                s = s with { AgentOrder = OneOf(n, path + ".agentOrder", ["circular", "random"]) == "random" ? FeedOrder.Random : FeedOrder.Circular };
            }

            if (f.TryGet("mrds", out n))
            {
                var list = StringList(n, path + ".mrds");
                var mrds = new List<int>();
                foreach (var m in list)
                {
                    if (!int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    {
                        throw Error(n, path + ".mrds", $"'{m}' is not an MRD id");
                    }

                    mrds.Add(id);
                }

                if (mrds.Count == 0)
                {
                    throw Error(n, path + ".mrds", "list at least one MRD");
                }

                s = s with { Mrds = mrds };
            }

            if (f.TryGet("cycles", out n))
            {
                s = s with { Cycles = Int(n, path + ".cycles", 0, 1_000_000) };
            }

            if (f.TryGet("notReadyReasons", out n))
            {
                s = s with { NotReadyReasons = StringList(n, path + ".notReadyReasons") };
            }

            if (f.TryGet("logoutReasons", out n))
            {
                s = s with { LogoutReasons = StringList(n, path + ".logoutReasons") };
            }

            if (f.TryGet("thinkTime", out n))
            {
                s = s with { ThinkTime = Duration(n, path + ".thinkTime", positive: false) };
            }

            if (f.TryGet("awaitNotifications", out n))
            {
                s = s with { AwaitNotifications = Bool(n, path + ".awaitNotifications") };
            }

            if (f.TryGet("checkSilentReady", out n))
            {
                s = s with { CheckSilentReady = Bool(n, path + ".checkSilentReady") };
            }

            if (f.TryGet("method", out n))
            {
                s = s with { Method = OneOf(n, path + ".method", ["GET", "PUT", "POST", "DELETE"]) };
            }

            if (f.TryGet("path", out n))
            {
                var p = String(n, path + ".path");
                s = p.StartsWith('/') ? s with { Path = p } : throw Error(n, path + ".path", "must start with '/'");
            }

            if (f.TryGet("body", out n))
            {
                s = s with { Body = String(n, path + ".body") };
            }

            if (f.TryGet("contentType", out n))
            {
                s = s with { ContentType = String(n, path + ".contentType") };
            }

            if (f.TryGet("expectStatus", out n))
            {
                s = s with { ExpectStatus = Int(n, path + ".expectStatus", 100, 599) };
            }

            if (f.TryGet("basicAuth", out n))
            {
                var v = String(n, path + ".basicAuth");
                s = v.Contains(':', StringComparison.Ordinal) ? s with { BasicAuth = v } : throw Error(n, path + ".basicAuth", "expected user:password");
            }

            s = s with { Tasks = TaskOptions(f, path) };

            if (f.TryGet("retry", out n))
            {
                s = RetryPolicy.SupportedTypes.Contains(type)
                    ? s with { Retry = Retry(n, path + ".retry") }
                    : throw Error(n, path + ".retry", $"'retry' applies to {string.Join(", ", RetryPolicy.SupportedTypes)} scenarios; {type} sends each request once");
            }

            if (f.TryGet("load", out n))
            {
                s = s with { Load = Load(n, path + ".load") };
            }
            else if (sharedLoad is null)
            {
                throw Error(node, path + ".load", "missing: give the scenario a load or the file a top-level load");
            }

            if (type == "task-feed" && (s.Load ?? sharedLoad!).Any(l => l.IsClosed))
            {
                throw Error(f.Values.TryGetValue("load", out var loadNode) ? loadNode : node, path + ".load",
                    "a task-feed submits tasks at a rate: give it an open load (e.g. inject 10/s 60s), not virtual users");
            }

            if (f.TryGet("warmUp", out n))
            {
                s = s with { WarmUp = Duration(n, path + ".warmUp", positive: false) };
            }

            if (s.Load is { } own && s.Type is "agent-shift" or "state-storm" or "task-handling")
            {
                var agents = AgentFeed.Parse(s.Agents, Path.GetDirectoryName(Path.GetFullPath(file)), mrds: s.Mrds).Count;
                var copies = own.OfType<KeepConstant>().Select(k => k.Copies).Concat(own.OfType<RampingConstant>().Select(k => k.Copies)).DefaultIfEmpty(0).Max();
                if (copies > agents)
                {
                    throw Error(f.Values["load"], path + ".load", $"{copies} virtual users need {copies} agents but 'agents' has {agents} (one agent per virtual user)");
                }
            }

            return s;
        }
    }

    private sealed class Fields
    {
        public Dictionary<string, YamlNode> Values { get; } = new(StringComparer.Ordinal);

        public bool TryGet(string key, out YamlNode node) => Values.TryGetValue(key, out node!);
    }
}

public static class XmppCheck
{
    /// <summary>Why <paramref name="host"/> cannot be the XMPP server host, or null when it can.</summary>
    public static string? Host(string host) =>
        Uri.CheckHostName(host) == UriHostNameType.Unknown ? $"'{host}' is not a host name or IP address" : null;

    /// <summary>Why <paramref name="domain"/> cannot be an XMPP domain (the part after '@' in a JID), or null when it can.</summary>
    public static string? Domain(string domain) =>
        string.IsNullOrWhiteSpace(domain) || domain.Any(c => c is '@' or '/' or '<' or '>' or '\'' or '"' or '&' || char.IsWhiteSpace(c))
            ? $"'{domain}' is not an XMPP domain"
            : null;
}

public static class UrlCheck
{
    /// <summary>Why <paramref name="url"/> cannot be a base URL, or null when it can.</summary>
    public static string? Explain(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"'{url}' is not an absolute URL (example: http://127.0.0.1:5080)";
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{url}': the scheme must be http or https, not '{uri.Scheme}'";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return $"'{url}' has no host";
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            return $"'{url}' must be a base URL without a path or query (the driver adds /finesse/api/...)";
        }

        return null;
    }
}
