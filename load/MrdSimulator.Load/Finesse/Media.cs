using System.Net.Http.Headers;
using System.Text;

namespace MrdSimulator.Load.Finesse;

public enum MediaAction
{
    Login,
    Ready,
    NotReady,
    Logout,
    Routable,
    NotRoutable,
}

public static class MediaStates
{
    public const string Logout = "LOGOUT";
    public const string NotReady = "NOT_READY";
    public const string Ready = "READY";

    /// <summary>The failover state (G125-181); finesse.js spells it WORK.</summary>
    public const string WorkNotReady = "WORK_NOT_READY";
    public const string Work = "WORK";

    /// <summary>Signed out, or failed over: either way only a sign-in is accepted.</summary>
    public static bool NeedsSignIn(string? state) => state is Logout or WorkNotReady or Work;

    public const string NotLoggedIn = "E_ARM_STAT_AGENT_NOT_LOGGED_IN";
    public const string AlreadyLoggedIn = "E_ARM_STAT_AGENT_ALREADY_LOGGED_IN";
}

/// <summary>Pre-built Media request bodies (built once, shared by every request).</summary>
public sealed class MediaBodies
{
    private readonly Dictionary<(MediaAction, string?), byte[]> _bodies = [];
    private readonly Dictionary<(int, string), byte[]> _logins = [];

    public MediaBodies(int maxDialogLimit = 3)
    {
        _bodies[(MediaAction.Login, null)] = Utf8(
            $"<Media><maxDialogLimit>{maxDialogLimit}</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>CLOSE</dialogLogoutAction></Media>");
        _bodies[(MediaAction.Ready, null)] = Utf8("<Media><state>READY</state></Media>");
        _bodies[(MediaAction.NotReady, null)] = Utf8("<Media><state>NOT_READY</state></Media>");
        _bodies[(MediaAction.Logout, null)] = Utf8("<Media><state>LOGOUT</state></Media>");
        _bodies[(MediaAction.Routable, null)] = Utf8("<Media><routable>true</routable></Media>");
        _bodies[(MediaAction.NotRoutable, null)] = Utf8("<Media><routable>false</routable></Media>");
    }

    public static MediaTypeHeaderValue XmlContentType { get; } = new("application/xml");

    /// <summary>A sign-in body with its own dialog limit and sign-out action (<c>CLOSE</c> or <c>TRANSFER</c>, reference §4.1).</summary>
    public byte[] Login(int maxDialogLimit, string dialogLogoutAction)
    {
        lock (_logins)
        {
            if (!_logins.TryGetValue((maxDialogLimit, dialogLogoutAction), out var body))
            {
                body = Utf8(
                    $"<Media><maxDialogLimit>{maxDialogLimit}</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>{dialogLogoutAction}</dialogLogoutAction></Media>");
                _logins[(maxDialogLimit, dialogLogoutAction)] = body;
            }

            return body;
        }
    }

    public byte[] Get(MediaAction action, string? reasonCodeId)
    {
        lock (_bodies)
        {
            if (_bodies.TryGetValue((action, reasonCodeId), out var body))
            {
                return body;
            }

            var state = action == MediaAction.NotReady ? "NOT_READY" : "LOGOUT";
            body = Utf8($"<Media><state>{state}</state><reasonCodeId>{reasonCodeId}</reasonCodeId></Media>");
            _bodies[(action, reasonCodeId)] = body;
            return body;
        }
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>One agent × MRD pair as a virtual user sees it: URI, credentials and correlation state.</summary>
public sealed class AgentMedia(string agentId, int mrdId, Uri uri, AuthenticationHeaderValue auth, PairState pair)
{
    public string AgentId { get; } = agentId;

    public int MrdId { get; } = mrdId;

    public Uri Uri { get; } = uri;

    public AuthenticationHeaderValue Auth { get; } = auth;

    /// <summary>The Authorization header value, pre-rendered for the lean HTTP client.</summary>
    public string AuthHeader { get; } = auth.ToString();

    public string PathAndQuery { get; } = uri.PathAndQuery;

    public PairState Pair { get; } = pair;

    /// <summary>The state this virtual user believes the pair is in (null = unknown).</summary>
    public string? KnownState { get; set; }

    public static string SourceOf(string agentId, int mrdId) => $"/finesse/api/User/{agentId}/Media/{mrdId}";

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
