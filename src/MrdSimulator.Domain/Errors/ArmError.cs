using Orleans;

namespace MrdSimulator.Domain.Errors;

/// <summary>
/// A back-end (CTI/ARM) failure, delivered asynchronously as an <c>apiErrors</c> Update.
/// <see cref="ErrorType"/> strings are Cisco's where the reference prints one, otherwise the simulator's wording
/// (listed in docs/fidelity.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("ArmError")]
public sealed record ArmError(string Constant, int Code, string ErrorType)
{
    public static readonly ArmError AgentAlreadyLoggedIn = new("E_ARM_STAT_AGENT_ALREADY_LOGGED_IN", 1, "Agent already logged into MRD");
    public static readonly ArmError AgentNotFound = new("E_ARM_STAT_AGENT_NOT_FOUND", 2, "Agent not configured");
    public static readonly ArmError MrdListEntryNotFound = new("E_ARM_STAT_MRD_LIST_ENTRY_NOT_FOUND", 3, "Agent not configured for MRD");
    public static readonly ArmError AgentNotLoggedIn = new("E_ARM_STAT_AGENT_NOT_LOGGED_IN", 6, "Agent is not logged in");
    public static readonly ArmError PendingNotReady = new("E_ARM_STAT_ALREADY_HAVE_PENDING_MAKE_AGENT_NOT_READY", 9, "Not Ready request already pending");
    public static readonly ArmError CantLoginToVoiceMrd = new("E_ARM_STAT_CANT_LOGIN_TO_VOICE_MRD", 11, "Cannot log in to the voice MRD");
    public static readonly ArmError TaskSentRecently = new("E_ARM_STAT_DO_THIS_WITH_TASK_SENT_RECENTLY", 14, "Cannot change state while a task is offered");
    public static readonly ArmError TaskObjectNotFound = new("E_ARM_STAT_TASK_OBJECT_NOT_FOUND", 18, "Task not found");
    public static readonly ArmError InvalidMessageSequence = new("E_ARM_STAT_INVALID_MESSAGE_SEQUENCE", 19, "Invalid message sequence");
    public static readonly ArmError LoginNotAllowedForAppPath = new("E_ARM_STAT_LOGIN_NOT_ALLOWED_FOR_APP_PATH", 27, "Sign in not allowed for this media");
    public static readonly ArmError NotValidAfterInterrupt = new("E_ARM_STAT_NOT_VALID_AFTER_INTERRUPT_ADVISORY_ACCEPT", 30, "Not valid while interrupted");
    public static readonly ArmError PerformanceLimitExceeded = new("E_ARM_STAT_PERFORMANCE_LIMIT_EXCEEDED", 34, "Maximum logged-in agents reached");
    public static readonly ArmError CcOffline = new("E_ARM_STAT_CC_OFFLINE", 36, "Central Controller offline");
    public static readonly ArmError LoginTimeout = new("E_ARM_STAT_LOGIN_TIMEOUT", 37, "Login timed out");
    public static readonly ArmError PqLoginFailed = new("E_ARM_STAT_PQ_LOGIN_FAILED", 38, "Precision queue login failed");
    public static readonly ArmError LoginRequestAlreadyPending = new("E_ARM_STAT_LOGIN_REQUEST_ALREADY_PENDING", 41, "Login already pending");

    /// <summary>The reference's only sample prints code 1 (likely copied); the real number is undocumented.</summary>
    public static readonly ArmError AlreadyInRequestedAgentMode = new("E_ARM_STAT_ALREADY_IN_REQUESTED_AGENT_MODE", 1, "Agent already in requested mode");

    public static IReadOnlyList<ArmError> All { get; } =
    [
        AgentAlreadyLoggedIn, AgentNotFound, MrdListEntryNotFound, AgentNotLoggedIn, PendingNotReady, CantLoginToVoiceMrd,
        TaskSentRecently, TaskObjectNotFound, InvalidMessageSequence, LoginNotAllowedForAppPath, NotValidAfterInterrupt,
        PerformanceLimitExceeded, CcOffline, LoginTimeout, PqLoginFailed, LoginRequestAlreadyPending, AlreadyInRequestedAgentMode,
    ];

    public static ArmError? FindByConstant(string constant) => All.FirstOrDefault(e => e.Constant == constant);
}
