namespace MrdSimulator.Domain.Directory;

public enum ReasonCodeCategory
{
    NotReady,
    Logout,
}

/// <summary>A reason code as Finesse stores it; <see cref="Id"/> is the database id clients send as reasonCodeId.</summary>
/// <param name="TeamIds">Teams the code is assigned to when it is not for all.</param>
public sealed record ReasonCode(
    int Id,
    ReasonCodeCategory Category,
    int Code,
    string Label,
    bool ForAll,
    IReadOnlyList<string> TeamIds)
{
    public string Uri => $"/finesse/api/ReasonCode/{Id}";

    public bool IsAllowedFor(User user) =>
        ForAll || (user.TeamId is { } team && TeamIds.Contains(team));
}

public static class ReasonCodeCategories
{
    public static string ToWire(this ReasonCodeCategory category) => category switch
    {
        ReasonCodeCategory.NotReady => "NOT_READY",
        ReasonCodeCategory.Logout => "LOGOUT",
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };

    public static bool TryParse(string? text, out ReasonCodeCategory category)
    {
        switch (text)
        {
            case "NOT_READY":
                category = ReasonCodeCategory.NotReady;
                return true;
            case "LOGOUT":
                category = ReasonCodeCategory.Logout;
                return true;
            default:
                category = default;
                return false;
        }
    }
}
