using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MrdSimulator.Domain.Directory;

/// <summary>
/// Reads a directory from YAML or JSON (JSON is read as YAML's flow style). Parsing goes through
/// YamlDotNet's representation model rather than a serializer so that every error can name the line
/// and the field path (<c>users[3].role</c>), and unknown fields are refused instead of ignored.
/// </summary>
public static class DirectoryLoader
{
    /// <summary>The largest maxTasksInQueue an MRD may set; the queue's memory limit still applies below it.</summary>
    public const int MaxTasksInQueue = 1_000_000;

    public static SimulatorDirectory LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DirectoryException(path, 0, "(file)", ex.Message);
        }

        return Parse(text, path);
    }

    public static SimulatorDirectory Parse(string text, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new DirectoryException(fileName, (int)ex.Start.Line, "(syntax)", ex.InnerException?.Message ?? ex.Message);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, when the file ends inside an unclosed [ or {.
            var lastLine = text.TrimEnd().Split('\n').Length;
            throw new DirectoryException(fileName, lastLine, "(syntax)", "the document ends inside an unclosed [ ] or { }");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new DirectoryException(fileName, 1, "(root)", "expected a mapping with mrds, users and reasonCodes");
        }

        var reader = new NodeReader(fileName);
        reader.OnlyKeys(root, "(root)", "mrds", "users", "reasonCodes", "scriptSelectors", "feeds");
        var mrds = reader.List(root, "mrds", required: true).Select((n, i) => ReadMrd(reader, n, $"mrds[{i}]")).ToList();
        var users = reader.List(root, "users", required: true).Select((n, i) => (Node: n, User: ReadUser(reader, n, $"users[{i}]"))).ToList();
        var codes = reader.List(root, "reasonCodes", required: false).Select((n, i) => (Node: n, Code: ReadReasonCode(reader, n, $"reasonCodes[{i}]"))).ToList();

        RequireUnique(reader, mrds.Select((m, i) => (m.Id.ToString(CultureInfo.InvariantCulture), root["mrds"] is YamlSequenceNode s ? s.Children[i] : root, $"mrds[{i}].id")));
        RequireUnique(reader, users.Select((u, i) => (u.User.Id, u.Node, $"users[{i}].id")));
        RequireUnique(reader, codes.Select((c, i) => (c.Code.Id.ToString(CultureInfo.InvariantCulture), c.Node, $"reasonCodes[{i}].id")));
        RequireUnique(reader, codes.Select((c, i) => ($"{c.Code.Category}/{c.Code.Code}", c.Node, $"reasonCodes[{i}].code")));
        RequireUnique(reader, codes.Select((c, i) => ($"{c.Code.Category}/{c.Code.Label}", c.Node, $"reasonCodes[{i}].label")));

        var selectors = reader.List(root, "scriptSelectors", required: false).Select((n, i) => (Node: n, Selector: ReadScriptSelector(reader, n, $"scriptSelectors[{i}]"))).ToList();
        var feeds = reader.List(root, "feeds", required: false).Select((n, i) => (Node: n, Feed: ReadFeed(reader, n, $"feeds[{i}]"))).ToList();
        RequireUnique(reader, selectors.Select((s, i) => (s.Selector.Name, s.Node, $"scriptSelectors[{i}].name")));
        RequireUnique(reader, feeds.Select((f, i) => (f.Feed.Id.ToString(CultureInfo.InvariantCulture), f.Node, $"feeds[{i}].id")));

        var byId = mrds.ToDictionary(m => m.Id);
        for (var i = 0; i < selectors.Count; i++)
        {
            var mrdId = selectors[i].Selector.MrdId;
            if (!byId.TryGetValue(mrdId, out var mrd))
            {
                throw reader.Error(selectors[i].Node, $"scriptSelectors[{i}].mrd", $"MRD {mrdId} is not defined under mrds");
            }

            if (mrd.IsVoice)
            {
                throw reader.Error(selectors[i].Node, $"scriptSelectors[{i}].mrd", $"MRD {mrdId} is the voice MRD; tasks route only to non-voice MRDs");
            }
        }

        for (var i = 0; i < users.Count; i++)
        {
            foreach (var mrdId in users[i].User.MrdIds)
            {
                if (!byId.TryGetValue(mrdId, out var mrd))
                {
                    throw reader.Error(users[i].Node, $"users[{i}].mrds", $"MRD {mrdId} is not defined under mrds");
                }

                if (mrd.IsVoice)
                {
                    throw reader.Error(users[i].Node, $"users[{i}].mrds", $"MRD {mrdId} is the voice MRD; list only non-voice MRDs");
                }
            }
        }

        return new SimulatorDirectory(users.Select(u => u.User), mrds, codes.Select(c => c.Code), selectors.Select(s => s.Selector), feeds.Select(f => f.Feed));
    }

    private static void RequireUnique(NodeReader reader, IEnumerable<(string Key, YamlNode Node, string Field)> keys)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, node, field) in keys)
        {
            if (!seen.Add(key))
            {
                throw reader.Error(node, field, $"duplicate value '{key.Split('/')[^1]}'");
            }
        }
    }

    private static MediaRoutingDomain ReadMrd(NodeReader r, YamlNode node, string path)
    {
        var map = r.Mapping(node, path);
        r.OnlyKeys(map, path, "id", "name", "description", "type", "interruptible", "taskStartTimeout", "taskLife", "maxTaskDuration", "serviceLevelThreshold", "maxTasksInQueue");
        var type = r.Enum(map, path, "type", "multichannel", ("voice", MrdType.Voice), ("multichannel", MrdType.Multichannel));
        return new MediaRoutingDomain(
            r.Int(map, path, "id", 1, int.MaxValue),
            r.String(map, path, "name", maxLength: 32),
            r.OptionalString(map, path, "description") ?? string.Empty,
            type,
            r.Bool(map, path, "interruptible", false),
            r.OptionalInt(map, path, "taskStartTimeout", 1, 86_400) ?? 30,
            r.OptionalInt(map, path, "taskLife", 1, 31_536_000) ?? 1200,
            r.OptionalInt(map, path, "maxTaskDuration", 1, 31_536_000) ?? 28800,
            r.OptionalInt(map, path, "serviceLevelThreshold", 1, 86_400) ?? 30,
            r.OptionalInt(map, path, "maxTasksInQueue", 1, MaxTasksInQueue));
    }

    private static ScriptSelector ReadScriptSelector(NodeReader r, YamlNode node, string path)
    {
        var map = r.Mapping(node, path);
        r.OnlyKeys(map, path, "name", "mrd", "description");
        var name = r.String(map, path, "name", maxLength: 32);
        if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw r.Error(map, $"{path}.name", $"'{name}' must not contain spaces or control characters");
        }

        return new ScriptSelector(name, r.Int(map, path, "mrd", 1, int.MaxValue), r.OptionalString(map, path, "description"));
    }

    private static TaskFeed ReadFeed(NodeReader r, YamlNode node, string path)
    {
        var map = r.Mapping(node, path);
        r.OnlyKeys(map, path, "id", "name", "description", "tags");
        var tags = r.List(map, "tags", required: false, path).Select((n, i) => r.StringValue(n, $"{path}.tags[{i}]")).ToArray();
        return new TaskFeed(r.Int(map, path, "id", 1, int.MaxValue), r.OptionalString(map, path, "name") ?? string.Empty, r.OptionalString(map, path, "description"), tags);
    }

    private static User ReadUser(NodeReader r, YamlNode node, string path)
    {
        var map = r.Mapping(node, path);
        r.OnlyKeys(map, path, "id", "password", "role", "firstName", "lastName", "teamId", "teamName", "mrds");
        var id = r.String(map, path, "id", maxLength: 64);
        if (!id.All(char.IsAsciiLetterOrDigit))
        {
            throw r.Error(map, $"{path}.id", $"'{id}' must be letters and digits only (it appears in URIs and JIDs)");
        }

        var mrds = r.List(map, "mrds", required: false, path)
            .Select((n, i) => r.IntValue(n, $"{path}.mrds[{i}]", 1, int.MaxValue))
            .ToArray();
        return new User(
            id,
            r.String(map, path, "password", maxLength: 128),
            r.Enum(map, path, "role", "agent", ("agent", UserRole.Agent), ("supervisor", UserRole.Supervisor)),
            r.OptionalString(map, path, "firstName") ?? string.Empty,
            r.OptionalString(map, path, "lastName") ?? string.Empty,
            r.OptionalString(map, path, "teamId"),
            r.OptionalString(map, path, "teamName"),
            mrds);
    }

    private static ReasonCode ReadReasonCode(NodeReader r, YamlNode node, string path)
    {
        var map = r.Mapping(node, path);
        r.OnlyKeys(map, path, "id", "category", "code", "label", "forAll", "teams");
        var category = r.Enum(map, path, "category", null, ("NOT_READY", ReasonCodeCategory.NotReady), ("LOGOUT", ReasonCodeCategory.Logout));
        var teams = r.List(map, "teams", required: false, path).Select((n, i) => r.StringValue(n, $"{path}.teams[{i}]")).ToArray();
        var forAll = r.Bool(map, path, "forAll", teams.Length == 0);
        return new ReasonCode(
            r.Int(map, path, "id", 1, int.MaxValue),
            category,
            r.Int(map, path, "code", 1, 65_535),
            r.String(map, path, "label", maxLength: 40),
            forAll,
            teams);
    }

    /// <summary>Typed reads over YAML nodes that throw <see cref="DirectoryException"/> with position and path.</summary>
    private sealed class NodeReader(string file)
    {
        public DirectoryException Error(YamlNode node, string field, string reason) =>
            new(file, (int)node.Start.Line, field, reason);

        public YamlMappingNode Mapping(YamlNode node, string path) =>
            node as YamlMappingNode ?? throw Error(node, path, "expected a mapping");

        public void OnlyKeys(YamlMappingNode map, string path, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!allowed.Contains(name, StringComparer.Ordinal))
                {
                    var prefix = path == "(root)" ? string.Empty : path + ".";
                    throw Error(key, prefix + name, $"unknown field; expected one of {string.Join(", ", allowed)}");
                }
            }
        }

        public IReadOnlyList<YamlNode> List(YamlMappingNode map, string key, bool required, string? path = null)
        {
            var field = path is null ? key : $"{path}.{key}";
            if (!map.Children.TryGetValue(key, out var node))
            {
                return required ? throw Error(map, field, "required") : [];
            }

            return node is YamlSequenceNode seq ? seq.Children.ToList() : throw Error(node, field, "expected a list");
        }

        public string String(YamlMappingNode map, string path, string key, int maxLength)
        {
            var value = OptionalString(map, path, key);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw Error(map, $"{path}.{key}", "required");
            }

            return value.Length <= maxLength ? value : throw Error(map[key], $"{path}.{key}", $"longer than {maxLength} characters");
        }

        public string? OptionalString(YamlMappingNode map, string path, string key) =>
            map.Children.TryGetValue(key, out var node) ? StringValue(node, $"{path}.{key}") : null;

        public string StringValue(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, field, "expected a single value");

        public int Int(YamlMappingNode map, string path, string key, int min, int max) =>
            OptionalInt(map, path, key, min, max) ?? throw Error(map, $"{path}.{key}", "required");

        public int? OptionalInt(YamlMappingNode map, string path, string key, int min, int max) =>
            map.Children.TryGetValue(key, out var node) ? IntValue(node, $"{path}.{key}", min, max) : null;

        public int IntValue(YamlNode node, string field, int min, int max)
        {
            var text = StringValue(node, field);
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw Error(node, field, $"'{text}' is not a whole number");
            }

            return value >= min && value <= max ? value : throw Error(node, field, $"{value} is outside {min}..{max}");
        }

        public bool Bool(YamlMappingNode map, string path, string key, bool fallback)
        {
            if (!map.Children.TryGetValue(key, out var node))
            {
                return fallback;
            }

            return StringValue(node, $"{path}.{key}") switch
            {
                "true" => true,
                "false" => false,
                var other => throw Error(node, $"{path}.{key}", $"'{other}' is not true or false"),
            };
        }

        public T Enum<T>(YamlMappingNode map, string path, string key, string? fallback, params (string Name, T Value)[] values)
        {
            var text = OptionalString(map, path, key) ?? fallback ?? throw Error(map, $"{path}.{key}", "required");
            foreach (var (name, value) in values)
            {
                if (name == text)
                {
                    return value;
                }
            }

            throw Error(map.Children.TryGetValue(key, out var n) ? n : map, $"{path}.{key}", $"'{text}' is not one of {string.Join(", ", values.Select(v => v.Name))}");
        }
    }
}
