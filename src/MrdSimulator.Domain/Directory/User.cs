namespace MrdSimulator.Domain.Directory;

/// <summary>Finesse user roles. A supervisor is also an agent (Finesse lists both roles).</summary>
public enum UserRole
{
    Agent,
    Supervisor,
}

/// <summary>A configured CCE/Finesse user.</summary>
/// <param name="MrdIds">Non-voice MRDs the user is assigned to (through skill groups or precision queues in CCE).</param>
public sealed record User(
    string Id,
    string Password,
    UserRole Role,
    string FirstName,
    string LastName,
    string? TeamId,
    string? TeamName,
    IReadOnlyList<int> MrdIds)
{
    public bool IsAssignedTo(int mrdId)
    {
        foreach (var id in MrdIds)
        {
            if (id == mrdId)
            {
                return true;
            }
        }

        return false;
    }
}
