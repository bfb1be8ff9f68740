using System.Globalization;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MrdSimulator.Domain.Chaos;

/// <summary>
/// Reads chaos plans (YAML; JSON is read as YAML's flow style) through YamlDotNet's representation model,
/// so that every error names the file, line and field (<c>faults[2].at</c>), and unknown fields or fault
/// kinds are refused instead of ignored. The admin API reads fault bodies with the same code.
/// </summary>
public static class ChaosPlanParser
{
    /// <summary>Largest plan accepted, file or request body.</summary>
    public const int MaxPlanBytes = 256 * 1024;

    public const int MaxFaults = 1000;

    /// <summary>The attributed failover window of a process fault given without a duration (silo failover takes well under it).</summary>
    public static readonly TimeSpan DefaultProcessFailover = TimeSpan.FromSeconds(30);

    private static readonly string[] CommonKeys = ["id", "kind", "at", "duration", "scope", "probability", "seed"];

    public static ChaosPlan LoadFile(string path)
    {
        string text;
        try
        {
            if (new FileInfo(path).Length > MaxPlanBytes)
            {
                throw new ChaosPlanException(path, 0, "(file)", $"larger than {MaxPlanBytes} bytes");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ChaosPlanException(path, 0, "(file)", ex.Message);
        }

        return Parse(text, path);
    }

    /// <summary>A whole plan: <c>name</c>, <c>seed</c> and <c>faults</c>.</summary>
    public static ChaosPlan Parse(string text, string fileName)
    {
        var root = Load(text, fileName);
        var r = new Reader(fileName);
        var map = root as YamlMappingNode ?? throw r.Error(root, "(root)", "expected a mapping with name, seed and faults");
        r.OnlyKeys(map, string.Empty, "name", "seed", "faults");
        var name = r.OptionalString(map, string.Empty, "name") ?? Path.GetFileNameWithoutExtension(fileName);
        var seed = map.Children.TryGetValue("seed", out var seedNode) ? r.Seed(seedNode, "seed") : 1UL;
        if (!map.Children.TryGetValue("faults", out var faultsNode))
        {
            throw r.Error(map, "faults", "required");
        }

        var faults = ReadFaults(r, faultsNode, "faults", i => $"f{i + 1}");
        return new ChaosPlan(name, seed, faults);
    }

    /// <summary>
    /// The body of <c>POST /admin/faults</c>: one fault (a mapping with <c>kind</c>), a list of faults, or
    /// <c>{ faults: [...] }</c>. <paramref name="defaultId"/> names faults given without an id.
    /// </summary>
    public static IReadOnlyList<FaultSpec> ParseFaults(string text, string source, Func<int, string> defaultId)
    {
        var root = Load(text, source);
        var r = new Reader(source);
        return root switch
        {
            YamlMappingNode m when m.Children.ContainsKey("faults") => ReadWrapped(r, m, defaultId),
            YamlMappingNode m => [ReadFault(r, m, "(fault)", () => defaultId(0))],
            YamlSequenceNode => ReadFaults(r, root, "faults", defaultId),
            _ => throw r.Error(root, "(root)", "expected a fault, a list of faults or { faults: [...] }"),
        };
    }

    private static IReadOnlyList<FaultSpec> ReadWrapped(Reader r, YamlMappingNode map, Func<int, string> defaultId)
    {
        r.OnlyKeys(map, string.Empty, "faults");
        return ReadFaults(r, map["faults"], "faults", defaultId);
    }

    private static YamlNode Load(string text, string fileName)
    {
        if (text.Length > MaxPlanBytes)
        {
            throw new ChaosPlanException(fileName, 0, "(file)", $"larger than {MaxPlanBytes} characters");
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ChaosPlanException(fileName, (int)ex.Start.Line, "(syntax)", ex.InnerException?.Message ?? ex.Message);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet throws this, without a position, when the text ends inside an unclosed [ or {.
            throw new ChaosPlanException(fileName, text.TrimEnd().Split('\n').Length, "(syntax)", "the document ends inside an unclosed [ ] or { }");
        }

        if (stream.Documents.Count == 0)
        {
            throw new ChaosPlanException(fileName, 1, "(root)", "the document is empty");
        }

        return stream.Documents[0].RootNode;
    }

    private static List<FaultSpec> ReadFaults(Reader r, YamlNode node, string path, Func<int, string> defaultId)
    {
        if (node is not YamlSequenceNode seq)
        {
            throw r.Error(node, path, "expected a list of faults");
        }

        if (seq.Children.Count > MaxFaults)
        {
            throw r.Error(node, path, $"more than {MaxFaults} faults");
        }

        var faults = new List<FaultSpec>(seq.Children.Count);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var index = i;
            var fault = ReadFault(r, seq.Children[i], $"{path}[{i}]", () => defaultId(index));
            if (!lines.TryAdd(fault.Id, fault.Line))
            {
                throw r.Error(seq.Children[i], $"{path}[{i}].id", $"duplicate id '{fault.Id}' (first on line {lines[fault.Id]})");
            }

            faults.Add(fault);
        }

        CheckOverlaps(r, faults, path);
        return faults;
    }

    /// <summary>The side cannot fail over while it is already down: failover windows may not overlap.</summary>
    private static void CheckOverlaps(Reader r, List<FaultSpec> faults, string path)
    {
        var failovers = faults.Select((f, i) => (Fault: f, Index: i)).Where(x => x.Fault.Kind == FaultKind.Failover).OrderBy(x => x.Fault.At).ToList();
        for (var i = 1; i < failovers.Count; i++)
        {
            var (previous, _) = failovers[i - 1];
            var (current, index) = failovers[i];
            if (previous.End is null || current.At < previous.End)
            {
                var until = previous.End is { } e ? $"until {Durations.Format(e)}" : "until cleared (give it a duration)";
                throw new ChaosPlanException(r.File, current.Line, $"{path}[{index}].at",
                    $"failover '{current.Id}' overlaps failover '{previous.Id}' (line {previous.Line}), which lasts {until}; failover windows may not overlap");
            }
        }
    }

    private static FaultSpec ReadFault(Reader r, YamlNode node, string path, Func<string> defaultId)
    {
        var map = node as YamlMappingNode ?? throw r.Error(node, path, "expected a mapping with kind");
        var kindText = r.OptionalString(map, path, "kind") ?? throw r.Error(map, $"{path}.kind", "required");
        if (!FaultKinds.TryParse(kindText, out var kind))
        {
            throw r.Error(map["kind"], $"{path}.kind", $"unknown fault '{kindText}'; expected one of {string.Join(", ", FaultKinds.WireNames)}");
        }

        r.OnlyKeys(map, path, [.. CommonKeys, .. KindKeys(kind)]);
        var id = r.OptionalString(map, path, "id") ?? defaultId();
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw r.Error(map.Children.TryGetValue("id", out var idNode) ? idNode : map, $"{path}.id", $"'{id}' must be 1-64 letters, digits, '-', '_' or '.'");
        }

        var spec = new FaultSpec
        {
            Id = id,
            Kind = kind,
            Line = (int)map.Start.Line,
            At = r.OptionalDuration(map, path, "at") ?? TimeSpan.Zero,
            Duration = r.OptionalDuration(map, path, "duration"),
            Scope = map.Children.TryGetValue("scope", out var scope) ? r.Scope(scope, $"{path}.scope") : FaultScope.All,
            Probability = map.Children.TryGetValue("probability", out var p) ? r.Probability(p, $"{path}.probability") : 1,
            Seed = map.Children.TryGetValue("seed", out var s) ? r.Seed(s, $"{path}.seed") : null,
        };
        if (spec.Duration is { } d && d <= TimeSpan.Zero)
        {
            throw r.Error(map["duration"], $"{path}.duration", "must be longer than 0");
        }

        if (kind == FaultKind.XmppRefuse && !spec.Scope.IsAll)
        {
            throw r.Error(map["scope"], $"{path}.scope", "a connection is refused before its user is known; scope must be all");
        }

        return kind switch
        {
            FaultKind.RestUnavailable => spec with { Reason = r.OptionalString(map, path, "reason") },
            FaultKind.RestLatency => spec with { Latency = r.Latency(map, path, "latency") },
            FaultKind.RestError => spec with { Status = r.OptionalInt(map, path, "status", 500, 599) ?? 500 },
            FaultKind.BackendError => BackendError(r, map, path, spec),
            FaultKind.NotificationDelay => spec with { Latency = r.Latency(map, path, "delay") },
            FaultKind.NotificationDuplicate => spec with { Copies = r.OptionalInt(map, path, "copies", 2, 10) ?? 2 },
            FaultKind.NotificationReorder => spec with { MaxHold = r.OptionalDuration(map, path, "maxHold") ?? spec.MaxHold },
            FaultKind.Failover => Failover(r, map, path, spec),
            FaultKind.XmppDisconnect => spec with
            {
                CloseMode = r.Enum(map, path, "mode", "stream-error", ("stream-error", XmppCloseMode.StreamError), ("reset", XmppCloseMode.Reset)),
            },
            FaultKind.SiloKill or FaultKind.GatewayKill => ProcessKill(r, map, path, spec),
            _ => spec,
        };
    }

    private static string[] KindKeys(FaultKind kind) => kind switch
    {
        FaultKind.RestUnavailable => ["reason"],
        FaultKind.RestLatency => ["latency"],
        FaultKind.RestError => ["status"],
        FaultKind.BackendError => ["error", "operations", "maxSignedIn"],
        FaultKind.NotificationDelay => ["delay"],
        FaultKind.NotificationDuplicate => ["copies"],
        FaultKind.NotificationReorder => ["maxHold"],
        FaultKind.Failover => ["reason", "state", "sessionGrace"],
        FaultKind.XmppDisconnect => ["mode"],
        FaultKind.SiloKill or FaultKind.GatewayKill => ["target"],
        _ => [],
    };

    /// <summary>
    /// A process fault names one process of the cluster; its window (<c>duration</c>) is the failover it causes, the
    /// time within which a load run's losses are attributed to it.
    /// </summary>
    private static FaultSpec ProcessKill(Reader r, YamlMappingNode map, string path, FaultSpec spec)
    {
        var role = spec.Kind == FaultKind.SiloKill ? "silo" : "gateway";
        var target = r.OptionalString(map, path, "target") ?? throw r.Error(map, $"{path}.target", $"required (the {role}'s --node-name, for example {role}-2)");
        if (target.Length is 0 or > 64 || !target.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw r.Error(map["target"], $"{path}.target", $"'{target}' is not a node name (1-64 letters, digits, '-', '_' or '.')");
        }

        if (spec.Probability < 1 || !spec.Scope.IsAll)
        {
            throw r.Error(map, path, "a process is killed or not: probability must be 1 and scope all");
        }

        return spec with { Target = target, Duration = spec.Duration ?? DefaultProcessFailover };
    }

    private static FaultSpec BackendError(Reader r, YamlMappingNode map, string path, FaultSpec spec)
    {
        var constant = r.OptionalString(map, path, "error") ?? throw r.Error(map, $"{path}.error", "required (an E_ARM_STAT_* constant)");
        var error = ArmError.FindByConstant(constant)
            ?? throw r.Error(map["error"], $"{path}.error", $"unknown error '{constant}'; expected one of {string.Join(", ", ArmError.All.Select(e => e.Constant).Distinct())}");
        var operations = MediaOperations.Login;
        if (map.Children.TryGetValue("operations", out var opsNode))
        {
            var items = opsNode is YamlSequenceNode seq ? seq.Children.ToList() : [opsNode];
            operations = MediaOperations.None;
            for (var i = 0; i < items.Count; i++)
            {
                var text = r.StringValue(items[i], $"{path}.operations[{i}]");
                var found = MediaOperationNames.Names.FirstOrDefault(n => n.Name == text);
                if (found.Name is null)
                {
                    throw r.Error(items[i], $"{path}.operations[{i}]", $"unknown operation '{text}'; expected one of {string.Join(", ", MediaOperationNames.Names.Select(n => n.Name))}");
                }

                operations |= found.Op;
            }
        }

        return spec with { Error = error, Operations = operations, MaxSignedIn = r.OptionalInt(map, path, "maxSignedIn", 0, int.MaxValue) };
    }

    private static FaultSpec Failover(Reader r, YamlMappingNode map, string path, FaultSpec spec)
    {
        if (spec.Probability < 1)
        {
            throw r.Error(map["probability"], $"{path}.probability", "a failover takes the whole side down; probability must be 1");
        }

        if (!spec.Scope.IsAll)
        {
            throw r.Error(map["scope"], $"{path}.scope", "a failover takes the whole side down; scope must be all");
        }

        return spec with
        {
            Reason = r.OptionalString(map, path, "reason"),
            FailoverState = r.Enum(map, path, "state", "WORK_NOT_READY", ("WORK_NOT_READY", AgentState.WorkNotReady), ("WORK", AgentState.Work)),
            SessionGrace = r.OptionalDuration(map, path, "sessionGrace") ?? spec.SessionGrace,
        };
    }

    /// <summary>Typed reads over YAML nodes that throw <see cref="ChaosPlanException"/> with position and path.</summary>
    private sealed class Reader(string file)
    {
        public string File => file;

        public ChaosPlanException Error(YamlNode node, string field, string reason) => new(file, (int)node.Start.Line, field, reason);

        public void OnlyKeys(YamlMappingNode map, string path, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!allowed.Contains(name, StringComparer.Ordinal))
                {
                    throw Error(key, path.Length == 0 ? name : $"{path}.{name}", $"unknown field; expected one of {string.Join(", ", allowed)}");
                }
            }
        }

        public string StringValue(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, field, "expected a single value");

        public string? OptionalString(YamlMappingNode map, string path, string key) =>
            map.Children.TryGetValue(key, out var node) ? StringValue(node, Field(path, key)) : null;

        public int? OptionalInt(YamlMappingNode map, string path, string key, int min, int max)
        {
            if (!map.Children.TryGetValue(key, out var node))
            {
                return null;
            }

            var text = StringValue(node, Field(path, key));
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw Error(node, Field(path, key), $"'{text}' is not a whole number");
            }

            return value >= min && value <= max ? value : throw Error(node, Field(path, key), $"{value} is outside {min}..{max}");
        }

        public TimeSpan? OptionalDuration(YamlMappingNode map, string path, string key) =>
            map.Children.TryGetValue(key, out var node) ? Duration(node, Field(path, key)) : null;

        public TimeSpan Duration(YamlNode node, string field)
        {
            var text = StringValue(node, field);
            return Durations.TryParse(text, out var value)
                ? value
                : throw Error(node, field, $"'{text}' is not a time; write a number and a unit, e.g. 500ms, 10s, 2m, 1h30m (at most 7 days)");
        }

        public ulong Seed(YamlNode node, string field)
        {
            var text = StringValue(node, field);
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
                ? seed
                : throw Error(node, field, $"'{text}' is not a whole number from 0 to {ulong.MaxValue}");
        }

        public double Probability(YamlNode node, string field)
        {
            var text = StringValue(node, field).Trim();
            var percent = text.EndsWith('%');
            var number = percent ? text[..^1].TrimEnd() : text;
            if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw Error(node, field, $"'{text}' is not a probability; write 0.05 or 5%");
            }

            value = percent ? value / 100 : value;
            return value is >= 0 and <= 1 ? value : throw Error(node, field, $"'{text}' is outside 0..1 (0%..100%)");
        }

        public FaultScope Scope(YamlNode node, string path)
        {
            if (node is YamlScalarNode { Value: "all" })
            {
                return FaultScope.All;
            }

            if (node is not YamlMappingNode map)
            {
                throw Error(node, path, "expected 'all' or a mapping with users and/or mrds");
            }

            OnlyKeys(map, path, "users", "mrds");
            var users = new List<string>();
            var ranges = new List<UserRange>();
            foreach (var (item, i) in Items(map, "users").Select((n, i) => (n, i)))
            {
                var text = StringValue(item, $"{path}.users[{i}]").Trim();
                var dash = text.IndexOf('-', StringComparison.Ordinal);
                if (dash < 0)
                {
                    if (text.Length == 0 || !text.All(char.IsAsciiLetterOrDigit))
                    {
                        throw Error(item, $"{path}.users[{i}]", $"'{text}' is not a user id");
                    }

                    users.Add(text);
                    continue;
                }

                if (!long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                    || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var to)
                    || from > to)
                {
                    throw Error(item, $"{path}.users[{i}]", $"'{text}' is not a range of numeric user ids like 1000-1099");
                }

                ranges.Add(new UserRange(from, to));
            }

            var mrds = Items(map, "mrds").Select((n, i) =>
            {
                var text = StringValue(n, $"{path}.mrds[{i}]");
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                    ? id
                    : throw Error(n, $"{path}.mrds[{i}]", $"'{text}' is not an MRD id");
            }).ToList();
            if (users.Count + ranges.Count + mrds.Count == 0)
            {
                throw Error(node, path, "lists no users and no mrds; write 'all' for everyone");
            }

            return new FaultScope { Users = users, Ranges = ranges, Mrds = mrds };
        }

        public Latency Latency(YamlMappingNode map, string path, string key)
        {
            var field = Field(path, key);
            if (!map.Children.TryGetValue(key, out var node))
            {
                throw Error(map, field, "required (e.g. 200ms, or { distribution: uniform, min: 50ms, max: 500ms })");
            }

            if (node is YamlScalarNode)
            {
                return Domain.Chaos.Latency.Fixed(Duration(node, field));
            }

            if (node is not YamlMappingNode spec)
            {
                throw Error(node, field, "expected a time or a mapping with distribution");
            }

            var shape = Enum(spec, field, "distribution", null,
                ("fixed", LatencyShape.Fixed), ("uniform", LatencyShape.Uniform), ("normal", LatencyShape.Normal), ("exponential", LatencyShape.Exponential));
            TimeSpan Need(string k) => OptionalDuration(spec, field, k) ?? throw Error(spec, $"{field}.{k}", "required");
            switch (shape)
            {
                case LatencyShape.Fixed:
                    OnlyKeys(spec, field, "distribution", "value");
                    return Domain.Chaos.Latency.Fixed(Need("value"));
                case LatencyShape.Uniform:
                    OnlyKeys(spec, field, "distribution", "min", "max");
                    var (min, max) = (Need("min"), Need("max"));
                    return min <= max ? new Latency(shape, min, max) : throw Error(spec["max"], $"{field}.max", "is less than min");
                case LatencyShape.Normal:
                    OnlyKeys(spec, field, "distribution", "mean", "stddev");
                    return new Latency(shape, Need("mean"), Need("stddev"));
                default:
                    OnlyKeys(spec, field, "distribution", "mean");
                    return new Latency(shape, Need("mean"));
            }
        }

        public T Enum<T>(YamlMappingNode map, string path, string key, string? fallback, params (string Name, T Value)[] values)
        {
            var text = OptionalString(map, path, key) ?? fallback ?? throw Error(map, Field(path, key), "required");
            foreach (var (name, value) in values)
            {
                if (name == text)
                {
                    return value;
                }
            }

            throw Error(map.Children.TryGetValue(key, out var n) ? n : map, Field(path, key), $"'{text}' is not one of {string.Join(", ", values.Select(v => v.Name))}");
        }

        private IReadOnlyList<YamlNode> Items(YamlMappingNode map, string key) =>
            !map.Children.TryGetValue(key, out var node) ? [] : node is YamlSequenceNode seq ? seq.Children.ToList() : [node];

        private static string Field(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    }
}
