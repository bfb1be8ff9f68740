using System.Globalization;

namespace MrdSimulator.Load.Engine;

public enum FeedOrder
{
    /// <summary>Virtual user i gets item i (wrapping).</summary>
    Circular,

    /// <summary>Items shuffled once with the run's seed.</summary>
    Random,
}

/// <summary>Agent ids for virtual users: a range (<c>1000-1999</c>), a list (<c>1000,1234</c>) or a file (one id a line).</summary>
public sealed class AgentFeed
{
    private readonly string[] _items;

    public AgentFeed(IEnumerable<string> items, FeedOrder order = FeedOrder.Circular, int seed = 1)
    {
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

    public IReadOnlyList<string> Items => _items;

    public string this[int index] => _items[index % _items.Length];

    /// <summary>Parses <c>1000-1999</c>, <c>1000,1001,1234</c> or <c>@path</c> (a file, relative to <paramref name="baseDirectory"/>).</summary>
    public static AgentFeed Parse(string spec, string? baseDirectory = null, FeedOrder order = FeedOrder.Circular, int seed = 1)
    {
        spec = spec.Trim();
        if (spec.StartsWith('@'))
        {
            return FromFile(spec[1..], baseDirectory, order, seed);
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

    public static AgentFeed FromFile(string path, string? baseDirectory = null, FeedOrder order = FeedOrder.Circular, int seed = 1)
    {
        var full = Path.IsPathRooted(path) || baseDirectory is null ? path : Path.Combine(baseDirectory, path);
        if (!File.Exists(full))
        {
            throw new FormatException($"agent file '{full}' does not exist");
        }

        var items = File.ReadLines(full)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split([',', ';', '\t', ' '], 2)[0])
            .ToList();
        return new AgentFeed(items, order, seed);
    }
}
