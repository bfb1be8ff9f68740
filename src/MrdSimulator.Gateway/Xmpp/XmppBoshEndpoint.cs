using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// XEP-0124/XEP-0206 BOSH at <c>/http-bind</c>: each POSTed <c>&lt;body/&gt;</c> carries stanzas in; the
/// answer carries what the session queued, or is held up to <c>wait</c> seconds until something is queued.
/// One request is held at a time (hold=1); a newer request releases the held one.
/// </summary>
internal static class XmppBoshEndpoint
{
    private static readonly XNamespace Body = Ns.HttpBind;
    private static readonly XName Restart = XName.Get("restart", Ns.XBosh);
    private static readonly XName Version = XName.Get("version", Ns.XBosh);

    public static async Task HandleAsync(HttpContext context, XmppServer server, BoshSessions sessions)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = HttpMethods.IsGet(context.Request.Method) ? StatusCodes.Status200OK : StatusCodes.Status405MethodNotAllowed;
            await context.Response.WriteAsync("XMPP over BOSH: POST <body/> documents here (XEP-0124, XEP-0206).");
            return;
        }

        var body = await ReadBodyAsync(context, server.Options.MaxStanzaBytes);
        if (body is null)
        {
            await RespondAsync(context, Terminate("bad-request"));
            return;
        }

        var sid = (string?)body.Attribute("sid");
        if (sid is null)
        {
            await CreateAsync(context, server, sessions, body);
            return;
        }

        if (!sessions.TryGet(sid, out var connection))
        {
            await RespondAsync(context, Terminate("item-not-found"));
            return;
        }

        await connection.HandleAsync(context, body);
    }

    private static async Task<XElement?> ReadBodyAsync(HttpContext context, int max)
    {
        if (context.Request.ContentLength > max)
        {
            return null;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            var element = XmlIn.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
            return element.Name == Body + "body" ? element : null;
        }
        catch (XmppStreamException)
        {
            return null;
        }
    }

    private static async Task CreateAsync(HttpContext context, XmppServer server, BoshSessions sessions, XElement body)
    {
        if (!long.TryParse((string?)body.Attribute("rid"), NumberStyles.None, CultureInfo.InvariantCulture, out var rid))
        {
            await RespondAsync(context, Terminate("bad-request"));
            return;
        }

        var loopback = context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);
        var session = server.Admit(BoshFraming.Instance, context.Request.IsHttps, loopback, tlsAvailable: false);
        if (session is null)
        {
            await RespondAsync(context, Terminate("remote-stream-error",
                XmlIn.Parse(XmppFraming.Error("resource-constraint", $"the server accepts at most {server.Options.MaxConnections} connections"), null)));
            return;
        }

        var requestedWait = int.TryParse((string?)body.Attribute("wait"), NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : 60;
        var wait = Math.Clamp(requestedWait, 1, (int)server.Options.BoshMaxWait.TotalSeconds);
        var connection = sessions.Add(session, rid, wait);
        try
        {
            session.OnStreamOpen((string?)body.Attribute("to"), (string?)body.Attribute(Version) ?? "1.0");
        }
        catch (XmppStreamException ex)
        {
            session.Close(ex.Condition, ex.Message);
        }

        var response = new XElement(Body + "body",
            new XAttribute("sid", connection.Sid),
            new XAttribute("wait", wait),
            new XAttribute("requests", 2),
            new XAttribute("hold", 1),
            new XAttribute("inactivity", (int)server.Options.BoshInactivity.TotalSeconds),
            new XAttribute("polling", 2),
            new XAttribute("ver", "1.11"),
            new XAttribute("from", server.Domain),
            new XAttribute("authid", session.StreamId),
            new XAttribute("secure", context.Request.IsHttps ? "true" : "false"),
            new XAttribute(Version, "1.0"),
            new XAttribute(XNamespace.Xmlns + "xmpp", Ns.XBosh),
            new XAttribute(XNamespace.Xmlns + "stream", Ns.Streams));
        await connection.CompleteAsync(context, response, holdIfEmpty: false);
    }

    internal static XElement Terminate(string condition, XElement? content = null) =>
        new(Body + "body", new XAttribute("type", "terminate"), new XAttribute("condition", condition), content);

    internal static async Task RespondAsync(HttpContext context, XElement body)
    {
        context.Response.ContentType = "text/xml; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    /// <summary>One BOSH session: the XMPP session plus request bookkeeping.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore has no wait handle to release; requests may still hold it when the session ends.")]
    internal sealed class BoshConnection(XmppSession session, string sid, long rid, int wait, BoshSessions owner)
    {
        private readonly SemaphoreSlim _turn = new(1, 1);
        private long _lastRid = rid;
        private CancellationTokenSource? _held;
        private int _inFlight;
        private long _lastRequest = Environment.TickCount64;
        private int _terminated;

        public string Sid { get; } = sid;

        public XmppSession Session { get; } = session;

        /// <summary>No request pending for longer than the inactivity period.</summary>
        public bool Inactive(long now, TimeSpan inactivity) =>
            Volatile.Read(ref _inFlight) == 0 && now - Volatile.Read(ref _lastRequest) > inactivity.TotalMilliseconds;

        public async Task HandleAsync(HttpContext context, XElement body)
        {
            Interlocked.Increment(ref _inFlight);
            try
            {
                if (!long.TryParse((string?)body.Attribute("rid"), NumberStyles.None, CultureInfo.InvariantCulture, out var rid))
                {
                    await RespondAsync(context, Terminate("bad-request"));
                    End();
                    return;
                }

                // A newer request releases the held one (hold=1), which then answers with what it has.
                Interlocked.Exchange(ref _held, null)?.Cancel();
                await _turn.WaitAsync(context.RequestAborted);
                try
                {
                    if (rid <= _lastRid || rid > _lastRid + 2)
                    {
                        // Retransmission and out-of-window requests are not supported: end like an unknown session.
                        await RespondAsync(context, Terminate("item-not-found"));
                        End();
                        return;
                    }

                    _lastRid = rid;
                    Session.Touch();
                    Feed(body);
                }
                finally
                {
                    _turn.Release();
                }

                await CompleteAsync(context, new XElement(Body + "body"), holdIfEmpty: true);
            }
            finally
            {
                Volatile.Write(ref _lastRequest, Environment.TickCount64);
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private void Feed(XElement body)
        {
            try
            {
                if ((string?)body.Attribute(Restart) == "true")
                {
                    Session.RestartPending = false;
                    Session.OnStreamOpen((string?)body.Attribute("to"), "1.0");
                }

                foreach (var child in body.Elements())
                {
                    // Stanzas inherit the body's namespace when they do not declare jabber:client (XEP-0206 §8).
                    if (child.Name.Namespace == Body)
                    {
                        child.Name = Ns.XClient + child.Name.LocalName;
                    }

                    Session.OnElement(child);
                }

                if ((string?)body.Attribute("type") == "terminate")
                {
                    Session.Close();
                }
            }
            catch (XmppStreamException ex)
            {
                Session.Close(ex.Condition, ex.Message);
            }
        }

        /// <summary>Answers with queued items, holding the request up to <c>wait</c> seconds when none are queued.</summary>
        public async Task CompleteAsync(HttpContext context, XElement response, bool holdIfEmpty)
        {
            var reader = Session.Outbound;
            if (holdIfEmpty && !reader.TryPeek(out _) && !reader.Completion.IsCompleted)
            {
                using var held = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Session.AbortToken);
                held.CancelAfter(TimeSpan.FromSeconds(wait));
                Interlocked.Exchange(ref _held, held)?.Cancel();
                try
                {
                    await reader.WaitToReadAsync(held.Token);
                }
                catch (OperationCanceledException)
                {
                    // Wait elapsed, a newer request arrived, or the session was aborted.
                }
                finally
                {
                    Interlocked.CompareExchange(ref _held, null, held);
                }
            }

            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            await _turn.WaitAsync(CancellationToken.None);
            try
            {
                var ended = Drain(response);
                if (ended)
                {
                    response.SetAttributeValue("type", "terminate");
                }

                await RespondAsync(context, response);
                if (ended)
                {
                    End();
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        /// <summary>Moves queued items into the body; true when the stream has ended.</summary>
        private bool Drain(XElement response)
        {
            var reader = Session.Outbound;
            var ended = false;
            var aborted = Session.AbortToken.IsCancellationRequested;
            IEnumerable<string> items = aborted ? Session.TakeAbortItems() : ReadAll();
            foreach (var text in items)
            {
                if (ReferenceEquals(text, BoshFraming.CloseMarker))
                {
                    ended = true;
                    continue;
                }

                var element = XmlIn.Parse(text, null);
                if (element.Name == XName.Get("error", Ns.Streams))
                {
                    response.SetAttributeValue("condition", "remote-stream-error");
                }

                response.Add(element);
            }

            return ended || (reader.Completion.IsCompleted && !reader.TryPeek(out _));

            IEnumerable<string> ReadAll()
            {
                var count = 0;
                while (count++ < 1000 && reader.TryRead(out var item))
                {
                    yield return item is string s && ReferenceEquals(s, BoshFraming.CloseMarker) ? s : Session.Render(item);
                }
            }
        }

        /// <summary>Ends the BOSH session (terminate answered, inactivity, or shutdown).</summary>
        public void End()
        {
            if (Interlocked.Exchange(ref _terminated, 1) != 0)
            {
                return;
            }

            Interlocked.Exchange(ref _held, null)?.Cancel();
            Session.Close();
            Session.Detach();
            owner.Remove(Sid);
        }
    }
}

/// <summary>The BOSH sessions by sid, and their inactivity sweep.</summary>
public sealed class BoshSessions(XmppServer server) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, XmppBoshEndpoint.BoshConnection> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _sweep;

    public int Count => _sessions.Count;

    internal bool TryGet(string sid, out XmppBoshEndpoint.BoshConnection connection) => _sessions.TryGetValue(sid, out connection!);

    internal XmppBoshEndpoint.BoshConnection Add(XmppSession session, long rid, int wait)
    {
        var sid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var connection = new XmppBoshEndpoint.BoshConnection(session, sid, rid, wait, this);
        _sessions[sid] = connection;
        return connection;
    }

    internal void Remove(string sid) => _sessions.TryRemove(sid, out _);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sweep = SweepAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Test hosts stop after the container disposed this service, or twice (as XmppServer.StopAsync).
        if (Interlocked.Exchange(ref _stopState, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var connection in _sessions.Values)
        {
            connection.End();
        }

        if (_sweep is not null)
        {
            await _sweep.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _stopState, 1);
        _stopping.Dispose();
    }

    private int _stopState;

    private async Task SweepAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                foreach (var connection in _sessions.Values)
                {
                    // A session the server closed (timeout, conflict) ends once no request can carry the news.
                    if (connection.Inactive(now, server.Options.BoshInactivity) ||
                        (connection.Session.Closing && connection.Inactive(now, TimeSpan.FromSeconds(2))))
                    {
                        connection.End();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
