using System.Diagnostics;
using System.Text;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse.Tasks;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse;

public sealed record FinesseOptions
{
    public required Uri BaseUrl { get; init; }

    public string Password { get; init; } = "password";

    public TimeSpan NotificationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxConnections { get; init; } = 256;

    /// <summary>"sse", "xmpp" or "none" (no notifications: correlation off).</summary>
    public string Notifications { get; init; } = "sse";

    /// <summary>Settings of the XMPP source (when <see cref="Notifications"/> is "xmpp").</summary>
    public Xmpp.XmppSourceOptions Xmpp { get; init; } = new();

    public string NotificationPath { get; init; } = "/notifications";

    public int MaxDialogLimit { get; init; } = 3;

    /// <summary>Use the lean HTTP/1.1 client for plain-http targets (false: SocketsHttpHandler).</summary>
    public bool LeanHttp { get; init; } = true;
}

/// <summary>What every Finesse scenario of a run shares: HTTP client, notification source, correlator, bodies.</summary>
public sealed class FinesseTarget : IAsyncDisposable
{
    private readonly Lazy<Task> _probe;
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private long _requestCounter;

    public FinesseTarget(FinesseOptions options, INotificationSource? source = null)
    {
        Options = options;
        Http = new HttpTarget(options.BaseUrl, options.MaxConnections, options.RequestTimeout, options.LeanHttp);
        Correlator = new Correlator(options.NotificationTimeout, "mrdload-" + Guid.NewGuid().ToString("N")[..8] + "-");
        Notifications = source ?? options.Notifications switch
        {
            "none" => null,
            "xmpp" => new Xmpp.XmppNotificationSource(options.BaseUrl, Correlator, options.Xmpp),
            _ => new SseNotificationSource(options.BaseUrl, Correlator, options.NotificationPath),
        };
        Bodies = new MediaBodies(options.MaxDialogLimit);
        _probe = new Lazy<Task>(() => ProbeAsync(CancellationToken.None));
    }

    public FinesseOptions Options { get; }

    public HttpTarget Http { get; }

    public Correlator Correlator { get; }

    public INotificationSource? Notifications { get; }

    public bool Correlating => Notifications is not null;

    public MediaBodies Bodies { get; }

    /// <summary>Task accounting; null until a task scenario enables it (<see cref="EnableTasks"/>).</summary>
    public TaskLedger? Tasks { get; private set; }

    /// <summary>What the engine calls around the phases: correlation, and task accounting when enabled.</summary>
    public IRunHooks Hooks => new FinesseRunHooks(this);

    /// <summary>Creates the run's task ledger (once) and routes every Dialog Update to it.</summary>
    public TaskLedger EnableTasks()
    {
        lock (Correlator)
        {
            if (Tasks is null)
            {
                Tasks = new TaskLedger(Correlator, Http);
                Correlator.DialogListener = Tasks;
            }

            return Tasks;
        }
    }

    public string NextRequestId() => Correlator.RequestIdPrefix + Interlocked.Increment(ref _requestCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks once that the target answers at all; throws a clear message when it does not. With XMPP
    /// notifications it also opens <paramref name="firstAgent"/>'s session (kept for that agent), so a wrong
    /// XMPP port, domain, TLS setting or password stops the run at init instead of failing every subscribe.
    /// </summary>
    public async Task EnsureReachableAsync(string? firstAgent = null)
    {
        await _probe.Value;
        if (firstAgent is not null && Notifications is Xmpp.XmppNotificationSource)
        {
            await SubscribeAsync(firstAgent, CancellationToken.None);
        }
    }

    private Task ProbeAsync(CancellationToken cancellationToken) => Http.ProbeAsync(cancellationToken);

    public AgentMedia Media(string agentId, int mrdId) => new(
        agentId,
        mrdId,
        new Uri(Options.BaseUrl, AgentMedia.SourceOf(agentId, mrdId)),
        AgentMedia.Basic(agentId, PasswordOf(agentId)),
        Correlator.Pair(agentId, mrdId));

    public Task SubscribeAsync(string agentId, CancellationToken cancellationToken) =>
        Notifications?.SubscribeAsync(agentId, PasswordOf(agentId), cancellationToken) ?? Task.CompletedTask;

    /// <summary>Adds the agents' own passwords from a feed that knows them (a directory file); called before the run starts.</summary>
    public void AddPasswords(IReadOnlyDictionary<string, string>? passwords)
    {
        foreach (var (agent, password) in passwords ?? new Dictionary<string, string>())
        {
            _passwords[agent] = password;
        }
    }

    /// <summary>The agent's own password when its feed gave one, else the run's password.</summary>
    public string PasswordOf(string agentId) => _passwords.GetValueOrDefault(agentId) ?? Options.Password;

    /// <summary>
    /// One Media PUT: registers the expected notification, sends the request timed into <paramref name="httpStep"/>
    /// and, when <paramref name="awaitNotification"/>, waits for the notification (timed into <paramref name="notificationStep"/>
    /// from the same start). With a <paramref name="backoff"/>, a request that fails in a way a retry can cure is sent again
    /// after the user's pause (<see cref="RetryPolicy"/>). Returns whether both went as expected.
    /// </summary>
    public async ValueTask<bool> ChangeAsync(
        AgentMedia media,
        MediaAction action,
        string? reasonCodeId,
        Expectation expectation,
        StepRecorder httpStep,
        StepRecorder? notificationStep,
        long startTicks,
        bool awaitNotification,
        CancellationToken cancellationToken,
        bool silent = false,
        bool maySilent = false,
        byte[]? body = null,
        Backoff? backoff = null)
    {
        body ??= Bodies.Get(action, reasonCodeId);
        var (status, pending) = await SendCorrelatedAsync(
            (Target: this, media.Pair, action, reasonCodeId, expectation, notificationStep, awaitNotification, silent, maySilent),
            static (x, requestId, start) => x.Target.Correlating
                ? x.Target.Correlator.Register(requestId, x.Pair, x.action, x.reasonCodeId, x.expectation, start, x.notificationStep, x.awaitNotification, x.silent, x.maySilent)
                : null,
            media.PathAndQuery, media.Uri, media, body, httpStep, startTicks, backoff, cancellationToken);
        if (status != 202)
        {
            return false;
        }

        if (pending is null || !awaitNotification || silent)
        {
            return true;
        }

        var outcome = await pending.Task.WaitAsync(cancellationToken);
        return outcome.Ok;
    }

    /// <summary>
    /// One Dialog action (<c>PUT /finesse/api/Dialog/{id}</c>, <c>&lt;Dialog&gt;&lt;requestedAction&gt;…</c>) as the agent of
    /// <paramref name="media"/>: the request is timed into <paramref name="httpStep"/> (202 expected; retried as
    /// <see cref="ChangeAsync"/> does with a <paramref name="backoff"/>), the matching Dialog Update into
    /// <paramref name="notificationStep"/>. Returns the HTTP status and, after a 202, the notification outcome.
    /// </summary>
    public async ValueTask<(int Status, NotificationOutcome? Outcome)> DialogActAsync(
        AgentMedia media, string dialogId, string action, StepRecorder httpStep, StepRecorder notificationStep, long startTicks, CancellationToken cancellationToken,
        Backoff? backoff = null)
    {
        var body = DialogBodies.GetOrAdd(action, static a => Encoding.UTF8.GetBytes(DialogWire.Body(a)));
        var path = DialogInfo.UriPrefix + Uri.EscapeDataString(dialogId);
        var (status, pending) = await SendCorrelatedAsync(
            (Correlator, Pair: Correlator.DialogPair(media.AgentId, dialogId), action, dialogId, notificationStep),
            static (x, requestId, start) => x.Correlator.RegisterDialog(requestId, x.Pair, x.action, x.dialogId, start, x.notificationStep),
            path, new Uri(Options.BaseUrl, path), media, body, httpStep, startTicks, backoff, cancellationToken);
        return status != 202 ? (status, null) : (status, await pending!.Task.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Sends one correlated PUT, and again after each failure a retry can cure while <paramref name="backoff"/> allows:
    /// every attempt has its own requestId and registration (so a notification is matched to the one request the server
    /// accepted, and a refused attempt can never count as lost), and later attempts are timed into the step's retry
    /// recorder. Returns the last attempt's status and, after a 202, its registration (marked accepted).
    /// </summary>
    private async ValueTask<(int Status, PendingRequest? Pending)> SendCorrelatedAsync<TState>(
        TState state,
        Func<TState, string, long, PendingRequest?> register,
        string pathAndQuery,
        Uri uri,
        AgentMedia media,
        byte[] body,
        StepRecorder httpStep,
        long startTicks,
        Backoff? backoff,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (backoff is not null && await backoff.WaitAsync(cancellationToken))
            {
                // Timed from the send: the pause is the client's choice, not the server's latency.
                startTicks = Stopwatch.GetTimestamp();
            }

            var requestId = NextRequestId();
            var pending = register(state, requestId, startTicks);
            int status;
            try
            {
                status = await SendAsync(pathAndQuery, uri, media, requestId, body, pending, attempt == 1 ? httpStep : httpStep.Retries, startTicks, cancellationToken);
            }
            catch (OperationCanceledException) when (pending is not null)
            {
                // Cancelled before it was sent (the run's drain deadline): no notification is due, none may count as lost.
                Correlator.Cancel(pending);
                throw;
            }

            if (status == 202)
            {
                backoff?.Succeeded();
                if (pending is not null)
                {
                    Correlator.MarkAccepted(pending);
                }

                return (status, pending);
            }

            if (pending is not null)
            {
                Correlator.Cancel(pending);
            }

            if (backoff?.RetryAfter(httpStep, status, attempt) is not true)
            {
                return (status, null);
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> DialogBodies = new(StringComparer.Ordinal);

    /// <summary>One PUT as the agent of <paramref name="media"/>, marked sent for the correlator just before it leaves.</summary>
    private async ValueTask<int> SendAsync(
        string pathAndQuery, Uri uri, AgentMedia media, string requestId, byte[] body, PendingRequest? pending, StepRecorder httpStep, long startTicks, CancellationToken cancellationToken)
    {
        if (Http.Raw is not null)
        {
            if (pending is not null)
            {
                Correlator.MarkSent(pending);
            }

            return await HttpStep.SendAsync(
                Http, new RawHttpClient.Request("PUT", pathAndQuery, media.AuthHeader, requestId, body, "application/xml"), httpStep, startTicks, 202, cancellationToken);
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaBodies.XmlContentType;
        request.Headers.Authorization = media.Auth;
        request.Headers.TryAddWithoutValidation("requestId", requestId);
        if (pending is not null)
        {
            Correlator.MarkSent(pending);
        }

        return await HttpStep.SendAsync(Http, request, httpStep, startTicks, 202, body.Length, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Notifications is not null)
        {
            await Notifications.DisposeAsync();
        }

        Correlator.Dispose();
        Http.Dispose();
    }
}

/// <summary>
/// The engine's hooks for a Finesse run: correlation first, then (when tasks run) the task reconciliation. The ledger
/// is looked up when used: scenarios enable it at init, after the hooks were handed to the engine.
/// </summary>
internal sealed class FinesseRunHooks(FinesseTarget target) : IRunHooks
{
    public NotificationSummary Notifications => target.Correlator.Notifications;

    public TaskSummary? Tasks => target.Tasks?.Summary;

    public void ResetAfterWarmUp()
    {
        target.Correlator.ResetAfterWarmUp();
        target.Tasks?.ResetAfterWarmUp();
    }

    public async Task SettleAsync(CancellationToken cancellationToken)
    {
        await target.Correlator.SettleAsync(cancellationToken);
        if (target.Tasks is { } ledger)
        {
            await ledger.ReconcileAsync();
        }
    }
}

/// <summary>Records steps that must not appear in the report (clean-up traffic).</summary>
internal static class Untimed
{
    public static StepRecorder Step(string name) => new("(clean)", name);

    public static long Now => Stopwatch.GetTimestamp();
}
