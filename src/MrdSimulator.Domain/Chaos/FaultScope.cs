using System.Globalization;
using System.Text;
using Orleans;

namespace MrdSimulator.Domain.Chaos;

/// <summary>An inclusive range of numeric user ids (<c>1000-1099</c>).</summary>
[GenerateSerializer, Immutable, Alias("UserRange")]
public readonly record struct UserRange([property: Id(0)] long From, [property: Id(1)] long To)
{
    public bool Contains(string userId) =>
        long.TryParse(userId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= From && n <= To;

    public override string ToString() => From == To ? From.ToString(CultureInfo.InvariantCulture) : $"{From}-{To}";
}

/// <summary>
/// Who a fault applies to: everyone, or the users listed (ids and numeric ranges) and/or the MRDs listed.
/// With both, a request must match both. A request that names no MRD never matches an MRD scope.
/// </summary>
[GenerateSerializer, Immutable, Alias("FaultScope")]
public sealed record FaultScope
{
    public static readonly FaultScope All = new();

    [Id(0)]
    public IReadOnlyList<string> Users { get; init; } = [];

    [Id(1)]
    public IReadOnlyList<UserRange> Ranges { get; init; } = [];

    [Id(2)]
    public IReadOnlyList<int> Mrds { get; init; } = [];

    public bool IsAll => Users.Count == 0 && Ranges.Count == 0 && Mrds.Count == 0;

    public bool HasUsers => Users.Count > 0 || Ranges.Count > 0;

    public bool HasMrds => Mrds.Count > 0;

    public bool MatchesUser(string? userId)
    {
        if (!HasUsers)
        {
            return true;
        }

        if (userId is null)
        {
            return false;
        }

        foreach (var u in Users)
        {
            if (u == userId)
            {
                return true;
            }
        }

        foreach (var r in Ranges)
        {
            if (r.Contains(userId))
            {
                return true;
            }
        }

        return false;
    }

    public bool MatchesMrd(int? mrdId)
    {
        if (!HasMrds)
        {
            return true;
        }

        if (mrdId is not { } id)
        {
            return false;
        }

        foreach (var m in Mrds)
        {
            if (m == id)
            {
                return true;
            }
        }

        return false;
    }

    public bool Matches(string? userId, int? mrdId) => MatchesUser(userId) && MatchesMrd(mrdId);

    public override string ToString()
    {
        if (IsAll)
        {
            return "all";
        }

        var sb = new StringBuilder();
        if (HasUsers)
        {
            sb.Append("users ").AppendJoin(',', Users.Concat(Ranges.Select(r => r.ToString())));
        }

        if (HasMrds)
        {
            sb.Append(sb.Length > 0 ? "; " : string.Empty).Append("mrds ").AppendJoin(',', Mrds);
        }

        return sb.ToString();
    }
}
