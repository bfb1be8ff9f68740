namespace MrdSimulator.GrainInterfaces.Notifications;

/// <summary>The per-user notification nodes Finesse publishes on.</summary>
[GenerateSerializer]
public enum NodeKind : byte
{
    /// <summary><c>/finesse/api/User/{id}</c></summary>
    User,

    /// <summary><c>/finesse/api/User/{id}/Media</c>: Media changes of every MRD (source names the MRD).</summary>
    Media,

    /// <summary><c>/finesse/api/User/{id}/Dialogs</c></summary>
    Dialogs,

    /// <summary><c>/finesse/api/User/{id}/Dialogs/Media</c>: non-voice dialogs of every MRD.</summary>
    DialogsMedia,
}

/// <summary>A node, kept as (user, kind) so publishing needs no string building.</summary>
public readonly record struct NodeKey(string UserId, NodeKind Kind)
{
    private const string Prefix = "/finesse/api/User/";

    public string Path => Kind switch
    {
        NodeKind.User => Prefix + UserId,
        NodeKind.Media => Prefix + UserId + "/Media",
        NodeKind.Dialogs => Prefix + UserId + "/Dialogs",
        NodeKind.DialogsMedia => Prefix + UserId + "/Dialogs/Media",
        _ => throw new InvalidOperationException(),
    };

    public static IEnumerable<NodeKey> AllFor(string userId) =>
        [new(userId, NodeKind.User), new(userId, NodeKind.Media), new(userId, NodeKind.Dialogs), new(userId, NodeKind.DialogsMedia)];

    /// <summary>Parses a node path such as <c>/finesse/api/User/1001/Media</c>.</summary>
    public static bool TryParse(string? path, out NodeKey key)
    {
        key = default;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        var user = slash < 0 ? rest : rest[..slash];
        var suffix = slash < 0 ? ReadOnlySpan<char>.Empty : rest[slash..];
        if (user.IsEmpty)
        {
            return false;
        }

        NodeKind? kind = suffix switch
        {
            "" => NodeKind.User,
            "/Media" => NodeKind.Media,
            "/Dialogs" => NodeKind.Dialogs,
            "/Dialogs/Media" => NodeKind.DialogsMedia,
            _ => null,
        };
        if (kind is null)
        {
            return false;
        }

        key = new NodeKey(user.ToString(), kind.Value);
        return true;
    }

    public override string ToString() => Path;
}
