namespace MrdSimulator.Domain.Directory;

/// <summary>
/// The directory the simulator runs on when no file is given, and the generator for large ones.
/// Every generated user has the password <see cref="Password"/>.
/// </summary>
public static class DemoDirectory
{
    public const string Password = "password";

    public static readonly IReadOnlyList<MediaRoutingDomain> Mrds =
    [
        new(1, "Cisco_Voice", "Voice MRD", MrdType.Voice, false),
        new(5000, "Cisco_Chat_MRD", "Chat tasks", MrdType.Multichannel, false),
        new(5001, "Cisco_Email_MRD", "Email tasks", MrdType.Multichannel, true, TaskStartTimeoutSeconds: 60),
        new(5002, "Cisco_Task_MRD", "Generic tasks & callbacks", MrdType.Multichannel, false),
    ];

    public static readonly IReadOnlyList<ReasonCode> ReasonCodes =
    [
        new(1001, ReasonCodeCategory.NotReady, 10, "Break", true, []),
        new(1002, ReasonCodeCategory.NotReady, 11, "Lunch", true, []),
        new(1003, ReasonCodeCategory.NotReady, 12, "Training", false, ["1"]),
        new(2001, ReasonCodeCategory.Logout, 20, "End of shift", true, []),
        new(2002, ReasonCodeCategory.Logout, 21, "Meeting", false, ["2"]),
    ];

    public static readonly IReadOnlyList<ScriptSelector> ScriptSelectors =
    [
        new("Chat_SS", 5000, "Chat tasks"),
        new("Email_SS", 5001, "Email tasks"),
        new("Task_SS", 5002, "Generic tasks"),
    ];

    /// <summary>The feed CCP creates for Universal Queue, with its documented name, description and tag (ccp §6.1).</summary>
    public static readonly IReadOnlyList<TaskFeed> Feeds = [new(100, "Cisco_Default_Task_Feed", "Feed for Universal Queuing", ["cisco_uq_tag"])];

    /// <summary>
    /// Agents 1000..(1000 + agents - 1) plus 1234 when not already in range, assigned to every non-voice
    /// MRD, spread over teams 1..4; and <paramref name="supervisors"/> supervisors 900, 901, ….
    /// </summary>
    public static SimulatorDirectory Create(int agents = 1000, int supervisors = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(agents, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(supervisors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(supervisors, 100);

        int[] mrdIds = [.. Mrds.Where(m => !m.IsVoice).Select(m => m.Id)];
        var users = new List<User>(agents + supervisors + 1);
        for (var i = 0; i < agents; i++)
        {
            users.Add(Agent(1000 + i, mrdIds));
        }

        if (agents <= 234)
        {
            users.Add(Agent(1234, mrdIds));
        }

        for (var i = 0; i < supervisors; i++)
        {
            var team = i % 4;
            var id = (900 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            users.Add(new User(id, Password, UserRole.Supervisor, "Supervisor", id, TeamIds[team], TeamNames[team], mrdIds));
        }

        return new SimulatorDirectory(users, Mrds, ReasonCodes, ScriptSelectors, Feeds);
    }

    // Shared strings keep a generated million-agent directory small: only the id is per user.
    private static readonly string[] TeamIds = ["1", "2", "3", "4"];
    private static readonly string[] TeamNames = ["Team 1", "Team 2", "Team 3", "Team 4"];

    private static User Agent(int id, int[] mrdIds)
    {
        var team = id % 4;
        var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new User(text, Password, UserRole.Agent, "Agent", text, TeamIds[team], TeamNames[team], mrdIds);
    }
}
