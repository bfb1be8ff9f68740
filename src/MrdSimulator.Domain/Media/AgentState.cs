using Orleans;

namespace MrdSimulator.Domain.Media;

/// <summary>Agent states of a non-voice MRD (Finesse 12.5 "Agent States for Nonvoice Media").</summary>
[GenerateSerializer]
public enum AgentState : byte
{
    Logout,
    Login,
    NotReady,
    Ready,
    Reserved,
    Active,
    Paused,
    WorkReady,
    Interrupted,

    /// <summary>Failover state; finesse.js names it WORK, the guide WORK_NOT_READY (reference §5.1 conflict).</summary>
    WorkNotReady,
    Work,
}

[GenerateSerializer]
public enum InterruptAction : byte
{
    Accept,
    Ignore,
}

[GenerateSerializer]
public enum DialogLogoutAction : byte
{
    Close,
    Transfer,
}

/// <summary>Wire spellings. Parsing is case-sensitive: Finesse's enums are upper case.</summary>
public static class MediaEnums
{
    public static string ToWire(this AgentState state) => state switch
    {
        AgentState.Logout => "LOGOUT",
        AgentState.Login => "LOGIN",
        AgentState.NotReady => "NOT_READY",
        AgentState.Ready => "READY",
        AgentState.Reserved => "RESERVED",
        AgentState.Active => "ACTIVE",
        AgentState.Paused => "PAUSED",
        AgentState.WorkReady => "WORK_READY",
        AgentState.Interrupted => "INTERRUPTED",
        AgentState.WorkNotReady => "WORK_NOT_READY",
        AgentState.Work => "WORK",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static string ToWire(this InterruptAction action) => action == InterruptAction.Accept ? "ACCEPT" : "IGNORE";

    public static string ToWire(this DialogLogoutAction action) => action == DialogLogoutAction.Close ? "CLOSE" : "TRANSFER";

    /// <summary>The states a user may request with the Media API.</summary>
    public static bool TryParseRequestable(ReadOnlySpan<char> text, out AgentState state)
    {
        state = text switch
        {
            "LOGIN" => AgentState.Login,
            "READY" => AgentState.Ready,
            "NOT_READY" => AgentState.NotReady,
            "LOGOUT" => AgentState.Logout,
            _ => (AgentState)255,
        };
        return state != (AgentState)255;
    }

    public static bool TryParse(ReadOnlySpan<char> text, out InterruptAction action)
    {
        action = text is "IGNORE" ? InterruptAction.Ignore : InterruptAction.Accept;
        return text is "ACCEPT" or "IGNORE";
    }

    public static bool TryParse(ReadOnlySpan<char> text, out DialogLogoutAction action)
    {
        action = text is "TRANSFER" ? DialogLogoutAction.Transfer : DialogLogoutAction.Close;
        return text is "CLOSE" or "TRANSFER";
    }

    public static bool IsSignedIn(this AgentState state) => state is not (AgentState.Logout or AgentState.WorkNotReady or AgentState.Work);
}
