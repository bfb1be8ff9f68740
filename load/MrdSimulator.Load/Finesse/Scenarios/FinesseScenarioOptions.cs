using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Finesse.Scenarios;

/// <summary>Settings shared by the built-in Finesse scenarios.</summary>
public sealed record FinesseScenarioOptions
{
    public required AgentFeed Agents { get; init; }

    public IReadOnlyList<int> Mrds { get; init; } = [5000, 5001, 5002];

    public IReadOnlyList<string> NotReadyReasons { get; init; } = ["1001", "1002"];

    /// <summary>LOGOUT reason codes; empty = sign out without a reason code.</summary>
    public IReadOnlyList<string> LogoutReasons { get; init; } = ["2001"];

    /// <summary>agent-shift: READY / NOT_READY cycles per shift.</summary>
    public int Cycles { get; init; } = 3;

    /// <summary>Pause between two actions of one virtual user.</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.Zero;

    /// <summary>Wait for each notification before the next action (Finesse serialises requests per object).</summary>
    public bool AwaitNotifications { get; init; } = true;

    /// <summary>agent-shift: send READY a second time once per shift; Finesse answers 202 and no notification.</summary>
    public bool CheckSilentReady { get; init; } = true;

    /// <summary>How each virtual user retries and paces requests that fail in a way a retry can cure (off unless set).</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Off;
}

internal static class StepNames
{
    public const string Subscribe = "subscribe";
    public const string Reset = "reset";
    public const string SignIn = "sign-in";
    public const string Ready = "ready";
    public const string ReadyAgain = "ready-again";
    public const string NotReady = "not-ready";
    public const string SignOut = "sign-out";
    public const string Change = "change";
    public const string Notified = ".notified";
}
