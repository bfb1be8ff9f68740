using System.Globalization;
using MrdSimulator.Domain.Directory;

namespace MrdSimulator.Load.Engine;

public enum FeedOrder
{
    /// <summary>Virtual user i gets item i (wrapping).</summary>
    Circular,

    /// <summary>Items shuffled once with the run's seed.</summary>
    Random,
}

/// <summary>
/// Agent ids for virtual users: a range (<c>1000-1999</c>), a list (<c>1000,1234</c>), a file (one id a line), or the
/// simulator's own directory file (YAML or JSON, docs/directory.md), which also gives each agent's password.
/// </summary>
public sealed class AgentFeed
{
    private readonly string[] _items;

    public AgentFeed(IEnumerable<string> items, FeedOrder order = FeedOrder.Circular, int seed = 1, IReadOnlyDictionary<string, string>? passwords = null)
    {
        Passwords = passwords;
        _items = items.ToArray();
        if (_items.Length == 0)
        {
            throw new FormatException("the agent feed is empty");
        }

        if (order == FeedOrder.Random)
        {
            new Random(seed).Shuffle(_items);
        }
    }

    public int Count => _items.Length;

    /// <summary>Each agent's password, when the feed knows it (a directory file); otherwise the run's one password applies.</summary>
    public IReadOnlyDictionary<string, string>? Passwords { get; }

    public IReadOnlyList<string> Items => _items;

    public string this[int index] => _items[index % _items.Length];

    /// <summary>
    /// Parses <c>1000-1999</c>, <c>1000,1001,1234</c> or <c>@path</c> (a file, relative to <paramref name="baseDirectory"/>;
    /// a <c>.yaml</c>, <c>.yml</c> or <c>.json</c> file is a simulator directory: its agents assigned to every one of
    /// <paramref name="mrds"/>, with their passwords).
    /// </summary>
    public static AgentFeed Parse(
        string spec, string? baseDirectory = null, FeedOrder order = FeedOrder.Circular, int seed = 1, IReadOnlyCollection<int>? mrds = null)
    {
        spec = spec.Trim();
        if (spec.StartsWith('@'))
        {
            return FromFile(spec[1..], baseDirectory, order, seed, mrds);
        }

        var items = new List<string>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                if (!long.TryParse(part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from) ||
                    !long.TryParse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
                {
                    throw new FormatException($"'{part}' is not a range of agent ids such as 1000-1999");
                }

                if (to < from)
                {
                    throw new FormatException($"'{part}': the range ends before it starts");
                }

                if (to - from >= 1_000_000)
                {
                    throw new FormatException($"'{part}': more than a million agents");
                }

                for (var id = from; id <= to; id++)
                {
                    items.Add(id.ToString(CultureInfo.InvariantCulture));
                }
            }
            else
            {
                if (part.Any(char.IsWhiteSpace) || part.Contains('/', StringComparison.Ordinal))
                {
                    throw new FormatException($"'{part}' is not an agent id");
                }

                items.Add(part);
            }
        }

        return new AgentFeed(items, order, seed);
    }

    public static AgentFeed FromFile(
        string path, string? baseDirectory = null, FeedOrder order = FeedOrder.Circular, int seed = 1, IReadOnlyCollection<int>? mrds = null)
    {
        var full = Path.IsPathRooted(path) || baseDirectory is null ? path : Path.Combine(baseDirectory, path);
        if (!File.Exists(full))
        {
            throw new FormatException($"agent file '{full}' does not exist");
        }

        if (Path.GetExtension(full).ToLowerInvariant() is ".yaml" or ".yml" or ".json")
        {
            return FromDirectory(full, order, seed, mrds);
        }

        var items = File.ReadLines(full)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split([',', ';', '\t', ' '], 2)[0])
            .ToList();
        return new AgentFeed(items, order, seed);
    }

    /// <summary>
    /// The agents of a simulator directory file, read by the simulator's own loader (so a file the simulator refuses is
    /// refused here with the same file:line: field: reason), in id order (numeric ids numerically).
    /// </summary>
    private static AgentFeed FromDirectory(string file, FeedOrder order, int seed, IReadOnlyCollection<int>? mrds)
    {
        SimulatorDirectory directory;
        try
        {
            directory = DirectoryLoader.LoadFile(file);
        }
        catch (DirectoryException ex)
        {
            throw new FormatException($"directory {ex.Message}", ex);
        }

        var agents = directory.Users
            .Where(u => u.Role == UserRole.Agent && (mrds is null || mrds.All(u.IsAssignedTo)))
            .OrderBy(u => u.Id.Length)
            .ThenBy(u => u.Id, StringComparer.Ordinal)
            .ToList();
        if (agents.Count == 0)
        {
            var which = mrds is null ? "" : $" assigned to MRD{(mrds.Count == 1 ? "" : "s")} {string.Join(", ", mrds)}";
            throw new FormatException($"directory '{file}' has no agents{which}");
        }

        return new AgentFeed(agents.Select(u => u.Id), order, seed, agents.ToDictionary(u => u.Id, u => u.Password, StringComparer.Ordinal));
    }
}
