using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using System.Xml;
using System.Xml.Linq;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Gateway.Xmpp;

internal enum SessionState
{
    /// <summary>Before SASL success.</summary>
    Connected,

    /// <summary>SASL succeeded; the client must restart the stream.</summary>
    Authenticated,

    /// <summary>Restarted after SASL: bind is offered.</summary>
    Restarted,

    /// <summary>A resource is bound: stanzas flow and notifications are delivered.</summary>
    Bound,
}

/// <summary>
/// One XMPP session, whatever carries it (TCP, WebSocket or BOSH). The transport feeds it stream opens, parsed
/// stanzas and stream closes from a single reader; everything the session sends — answers and pubsub
/// notifications — goes through one bounded queue that the transport drains. A full queue closes the session
/// with policy-violation: <see cref="TryDeliver"/> never waits, so a slow client never slows the grains or other
/// sessions.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Detach disposes the token source when the transport ends.")]
internal sealed partial class XmppSession : INotificationSink
{
    /// <summary>Queue item telling a TCP writer to flush and start TLS before writing anything else.</summary>
    public static readonly object StartTlsMarker = new();

    private static long s_nextId;

    private readonly XmppServer _server;
    private readonly XmppFraming _framing;
    private readonly Channel<object> _out;
    private readonly CancellationTokenSource _abort = new();
    private readonly Dictionary<NodeKind, IDisposable> _subscriptions = [];
    private IDisposable? _watch;
    private SaslAuthenticator.ScramExchange? _scram;
    private string[]? _abortItems;
    private Action<Notification, long?>? _lost;
    private Notifications.DeliveryTrail? _trail;
    private IDisposable? _sessionLease;
    private IReadOnlyList<(Notification Notification, long WrittenTicks)> _inFlightAtCut = [];
    private int _closing;
    private int _detached;
    private int _authFailures;
    private long _eventSequence;
    private long _lastActivity;
    private string? _pingId;
    private string? _mechanism;
    private bool _opened;

    public XmppSession(XmppServer server, XmppFraming framing, bool secure, bool loopback, bool tlsAvailable)
    {
        _server = server;
        _framing = framing;
        Secure = secure;
        Loopback = loopback;
        TlsAvailable = tlsAvailable;
        Id = Interlocked.Increment(ref s_nextId);
        StreamId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Created = _lastActivity = Environment.TickCount64;
        _out = Channel.CreateBounded<object>(new BoundedChannelOptions(server.Options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Id { get; }

    public string StreamId { get; private set; }

    public long Created { get; }

    public bool Secure { get; set; }

    public bool Loopback { get; }

    public bool TlsAvailable { get; }

    public SessionState State { get; private set; }

    public User? User { get; private set; }

    public string? Resource { get; private set; }

    public string? FullJid { get; private set; }

    public string? BareJid => User is null ? null : User.Id + "@" + _server.Domain;

    /// <summary>Initial presence was sent and not withdrawn.</summary>
    public bool Available { get; private set; }

    /// <summary>Set when SASL succeeded: the transport's parser must expect a new stream header.</summary>
    public bool RestartPending { get; set; }

    /// <summary>Set when STARTTLS was accepted: the TCP transport must switch to TLS before reading on.</summary>
    public bool TlsRequested { get; set; }

    public bool Closing => Volatile.Read(ref _closing) != 0;

    public ChannelReader<object> Outbound => _out.Reader;

    /// <summary>Cancelled when the session must close now (queue overflow), dropping what is queued.</summary>
    public CancellationToken AbortToken => _abort.Token;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Chaos asked for a reset: the TCP transport aborts the connection with an RST instead of a FIN.</summary>
    public bool ResetRequested { get; private set; }

    public int SubscriptionCount
    {
        get
        {
            lock (_subscriptions)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>The stream namespace scope for parsing stanzas of this session.</summary>
    public XmlNamespaceManager? Scope { get; set; }

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    // ---- delivery -------------------------------------------------------------------------------------

    public bool TryDeliver(Notification notification)
    {
        if (Closing)
        {
            // Cut by a fault: the hub still holds this session until the transport lets go.
            Volatile.Read(ref _lost)?.Invoke(notification, null);
            return false;
        }

        if (_out.Writer.TryWrite(notification))
        {
            return true;
        }

        Overflow();
        return false;
    }

    /// <summary>Renders a queue item to the XML to send; notifications become the pubsub event message.</summary>
    public string Render(object item)
    {
        switch (item)
        {
            case string text:
                return text;
            case Notification n:
                // Transports render an item just before writing it: the trail names what a reset may lose.
                (_trail ??= new Notifications.DeliveryTrail()).Written(n);
                return RenderEvent(n);
            default:
                return string.Empty;
        }
    }

    /// <summary>Items to write when the session is aborted (the stream error and close), once.</summary>
    public string[] TakeAbortItems() => Interlocked.Exchange(ref _abortItems, []) ?? [];

    private string RenderEvent(Notification n)
    {
        var update = n.UpdateXml;
        var sb = new StringBuilder(update.Length + (update.Length / 4) + 400);
        sb.Append("<message xmlns='jabber:client' from='").Append(_server.PubSubDomain)
            .Append("' to='").AppendEscaped(FullJid)
            .Append("' id='").Append(StreamId).Append('-').Append(Interlocked.Increment(ref _eventSequence).ToString(CultureInfo.InvariantCulture))
            .Append("'><event xmlns='").Append(Ns.PubSubEvent).Append("'><items node='").AppendEscaped(n.Node.Path)
            .Append("'><item id='").Append(Guid.NewGuid().ToString("D")).Append("'><notification xmlns='").Append(Ns.PubSub).Append("'>");
        AppendText(sb, update);
        return sb.Append("</notification></item></items></event></message>").ToString();
    }

    /// <summary>
    /// Escapes the Update as element text (&amp;, &lt;, &gt;), as Finesse sends it; a CR as a reference (a parser would
    /// read it as LF), and characters XML 1.0 cannot carry as U+FFFD, should any reach here.
    /// </summary>
    private static void AppendText(StringBuilder sb, string text)
    {
        var span = XmlChars.Sanitize(text).AsSpan();
        while (true)
        {
            var i = span.IndexOfAny("&<>\r");
            if (i < 0)
            {
                sb.Append(span);
                return;
            }

            sb.Append(span[..i]).Append(span[i] switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", _ => "&#13;" });
            span = span[(i + 1)..];
        }
    }

    private void Send(string xml)
    {
        if (!_out.Writer.TryWrite(xml))
        {
            Overflow();
        }
    }

    private void Send(XElement element) => Send(element.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces));

    // ---- closing --------------------------------------------------------------------------------------

    private void Overflow()
    {
        if (Abort("policy-violation", $"outbound queue full ({_server.Options.QueueCapacity} stanzas): the client does not read fast enough"))
        {
            _server.CountSlowConsumer();
        }
    }

    /// <summary>Closes the stream after what is queued (with a stream error when <paramref name="condition"/> is given).</summary>
    public void Close(string? condition = null, string? text = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        var items = StreamEnd(condition, text);
        foreach (var item in items)
        {
            if (!_out.Writer.TryWrite(item))
            {
                Volatile.Write(ref _abortItems, items);
                _abort.Cancel();
                break;
            }
        }

        _out.Writer.TryComplete();
    }

    /// <summary>
    /// Chaos cut: a reset (no stream error, no closing tag, TCP RST) or an orderly close with
    /// <c>system-shutdown</c>. <paramref name="lost"/> hears of every Update the cut costs: still queued or
    /// arriving while the session closes (null), or written just before a reset (when: a Stopwatch timestamp).
    /// </summary>
    public void Cut(bool reset, Action<Notification, long?>? lost)
    {
        if (lost is not null)
        {
            Volatile.Write(ref _lost, lost);
        }

        if (reset)
        {
            _inFlightAtCut = _trail?.Recent() ?? [];
            Reset();
        }
        else
        {
            Close("system-shutdown", "the notification service is going down");
        }
    }

    /// <summary>Chaos: ends the connection with no stream error and no closing tag, dropping what is queued.</summary>
    public void Reset()
    {
        ResetRequested = true;
        Interlocked.Exchange(ref _closing, 1);
        Volatile.Write(ref _abortItems, []);
        _out.Writer.TryComplete();
        try
        {
            _abort.Cancel();
        }
        catch (Exception ex) when (ex is AggregateException or ObjectDisposedException)
        {
            // Already ending.
        }
    }

    /// <summary>Closes the stream now, dropping what is queued; true for the call that did it.</summary>
    public bool Abort(string condition, string text)
    {
        var first = Interlocked.Exchange(ref _closing, 1) == 0;
        if (first || Volatile.Read(ref _abortItems) is null)
        {
            Interlocked.CompareExchange(ref _abortItems, StreamEnd(condition, text), null);
        }

        _out.Writer.TryComplete();
        try
        {
            _abort.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the token failed; the session is closing anyway.
        }

        return first;
    }

    private string[] StreamEnd(string? condition, string? text)
    {
        var items = new List<string>(3);
        if (!_opened && condition is not null && _framing.Open(StreamId, _server.Domain) is { } header)
        {
            // RFC 6120 §4.9.1.1: an error before the stream is set up still sends a stream header first.
            items.Add(header);
        }

        if (condition is not null)
        {
            items.Add(XmppFraming.Error(condition, text));
        }

        items.Add(_framing.Close);
        return [.. items];
    }

    /// <summary>The transport is gone: leave every node and the server's tables. Idempotent.</summary>
    public void Detach()
    {
        if (Interlocked.Exchange(ref _detached, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _closing, 1);
        _out.Writer.TryComplete();
        ReportCutLosses();
        List<IDisposable> subscriptions;
        lock (_subscriptions)
        {
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
            if (_watch is not null)
            {
                subscriptions.Add(_watch);
                _watch = null;
            }
        }

        subscriptions.ForEach(s => s.Dispose());
        _server.Remove(this);
        _sessionLease?.Dispose();
        _abort.Dispose();
    }

    /// <summary>After a chaos cut, once the transport has stopped writing: what stayed queued, and what a reset may have lost.</summary>
    private void ReportCutLosses()
    {
        if (Volatile.Read(ref _lost) is not { } lost)
        {
            return;
        }

        while (_out.Reader.TryRead(out var item))
        {
            if (item is Notification queued)
            {
                lost(queued, null);
            }
        }

        if (ResetRequested)
        {
            foreach (var (written, at) in _inFlightAtCut.Union(_trail?.Recent() ?? []))
            {
                lost(written, at);
            }
        }
    }

    /// <summary>Periodic check from the server: authentication time, idleness and keep-alive pings.</summary>
    public void Tick(long now)
    {
        if (Closing)
        {
            return;
        }

        var options = _server.Options;
        if (User is null && now - Created > options.AuthTimeout.TotalMilliseconds)
        {
            Close("policy-violation", "authentication took too long");
            return;
        }

        var idle = now - LastActivity;
        if (idle > options.IdleTimeout.TotalMilliseconds)
        {
            Close("connection-timeout", "no traffic from the client");
            return;
        }

        if (State == SessionState.Bound && idle > options.PingInterval.TotalMilliseconds && _pingId is null)
        {
            _pingId = "ping-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            Send(new XElement(Ns.XClient + "iq", new XAttribute("type", "get"), new XAttribute("id", _pingId),
                new XAttribute("from", _server.Domain), new XAttribute("to", FullJid!),
                new XElement(XName.Get("ping", Ns.Ping))));
        }
    }

    // ---- stream ---------------------------------------------------------------------------------------

    /// <summary>The client opened (or restarted) the stream.</summary>
    public void OnStreamOpen(string? to, string? version)
    {
        Touch();
        if (!string.Equals(to, _server.Domain, StringComparison.OrdinalIgnoreCase))
        {
            throw new XmppStreamException("host-unknown", $"this server serves {_server.Domain}");
        }

        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new XmppStreamException("unsupported-version", "XMPP 1.0 streams only");
        }

        if (State == SessionState.Authenticated)
        {
            State = SessionState.Restarted;
        }
        else if (State != SessionState.Connected)
        {
            throw XmppStreamException.PolicyViolation("the stream cannot be restarted now");
        }

        if (_opened)
        {
            // A restart gets a new stream id (RFC 6120 §4.3.2).
            StreamId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        }

        if (_framing.Open(StreamId, _server.Domain) is { } header)
        {
            Send(header);
        }

        _opened = true;
        Send(Features());
    }

    /// <summary>The current stream features (BOSH includes them in its session creation response).</summary>
    public string Features()
    {
        var sb = new StringBuilder(400).Append("<stream:features xmlns:stream='").Append(Ns.Streams).Append("'>");
        if (State == SessionState.Connected)
        {
            var plaintextAllowed = PlaintextAllowed;
            if (TlsAvailable && !Secure)
            {
                sb.Append("<starttls xmlns='").Append(Ns.Tls).Append(plaintextAllowed ? "'/>" : "'><required/></starttls>");
            }

            if (plaintextAllowed || Secure)
            {
                sb.Append("<mechanisms xmlns='").Append(Ns.Sasl).Append("'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>");
            }
        }
        else
        {
            sb.Append("<bind xmlns='").Append(Ns.Bind).Append("'/><session xmlns='").Append(Ns.Session).Append("'><optional/></session>");
        }

        return sb.Append("</stream:features>").ToString();
    }

    private bool PlaintextAllowed => _server.Options.AllowPlaintext || (Loopback && _server.Options.AllowPlaintextOnLoopback);

    /// <summary>The client closed the stream: answer with our close.</summary>
    public void OnStreamClose() => Close();

    /// <summary>One first-level element from the client.</summary>
    public void OnElement(XElement element)
    {
        Touch();
        if (Closing)
        {
            return;
        }

        var ns = element.Name.NamespaceName;
        var name = element.Name.LocalName;
        if (ns == Ns.Streams && name == "error")
        {
            Close();
            return;
        }

        if (State == SessionState.Connected)
        {
            switch (ns)
            {
                case Ns.Tls when name == "starttls":
                    StartTls();
                    return;
                case Ns.Sasl:
                    OnSasl(element);
                    return;
                case Ns.Client:
                    throw new XmppStreamException("not-authorized", "authenticate first");
                default:
                    throw new XmppStreamException("unsupported-stanza-type", $"unexpected {element.Name}");
            }
        }

        if (ns != Ns.Client || name is not ("iq" or "message" or "presence"))
        {
            throw new XmppStreamException("unsupported-stanza-type", $"unexpected {element.Name}");
        }

        if (State != SessionState.Bound)
        {
            if (name == "iq" && element.Elements(Ns.XBind + "bind").Any())
            {
                OnIq(element);
            }
            else if (name == "iq")
            {
                Send(IqError(element, "auth", "not-authorized"));
            }

            return;
        }

        switch (name)
        {
            case "iq":
                OnIq(element);
                break;
            case "presence":
                OnPresence(element);
                break;
            default:
                OnMessage(element);
                break;
        }
    }

    private void StartTls()
    {
        if (!TlsAvailable || Secure)
        {
            // RFC 6120 §5.4.2.2: failure, then close the stream.
            Send($"<failure xmlns='{Ns.Tls}'/>");
            Close();
            return;
        }

        Send($"<proceed xmlns='{Ns.Tls}'/>");
        if (!_out.Writer.TryWrite(StartTlsMarker))
        {
            Overflow();
        }

        // The TLS stream starts a new XML stream.
        _opened = false;
        TlsRequested = true;
    }

    // ---- SASL -----------------------------------------------------------------------------------------

    private void OnSasl(XElement element)
    {
        if (!Secure && !PlaintextAllowed)
        {
            throw XmppStreamException.PolicyViolation("use STARTTLS first");
        }

        switch (element.Name.LocalName)
        {
            case "auth":
                {
                    var mechanism = (string?)element.Attribute("mechanism");
                    if (!TryDecode(element.Value, out var data))
                    {
                        SaslFailure("incorrect-encoding");
                        return;
                    }

                    switch (mechanism)
                    {
                        case "PLAIN":
                            _scram = null;
                            _mechanism = mechanism;
                            SaslDone(_server.Sasl.Plain(data));
                            break;
                        case "SCRAM-SHA-1":
                            _mechanism = mechanism;
                            _scram = _server.Sasl.StartScram();
                            SaslDone(_scram.Start(data));
                            break;
                        default:
                            SaslFailure("invalid-mechanism");
                            break;
                    }

                    return;
                }

            case "response" when _scram is not null:
                {
                    if (!TryDecode(element.Value, out var data))
                    {
                        _scram = null;
                        SaslFailure("incorrect-encoding");
                        return;
                    }

                    var step = _scram.Finish(data);
                    _scram = null;
                    SaslDone(step);
                    return;
                }

            case "abort":
                _scram = null;
                SaslFailure("aborted", countsAsAttempt: false);
                return;
            default:
                _scram = null;
                SaslFailure("malformed-request");
                return;
        }
    }

    private static bool TryDecode(string text, out byte[] data)
    {
        text = text.Trim();
        if (text is "=" or "")
        {
            data = [];
            return true;
        }

        try
        {
            data = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            data = [];
            return false;
        }
    }

    private void SaslDone(SaslStep step)
    {
        switch (step.Status)
        {
            case SaslStatus.Challenge:
                Send($"<challenge xmlns='{Ns.Sasl}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(step.Data!))}</challenge>");
                break;
            case SaslStatus.Success:
                User = step.User;
                State = SessionState.Authenticated;
                _server.CountAuthentication(_mechanism!);
                RestartPending = true;
                Send(step.Data is null
                    ? $"<success xmlns='{Ns.Sasl}'/>"
                    : $"<success xmlns='{Ns.Sasl}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(step.Data))}</success>");
                break;
            default:
                SaslFailure(step.Condition!);
                break;
        }
    }

    private void SaslFailure(string condition, bool countsAsAttempt = true)
    {
        Send($"<failure xmlns='{Ns.Sasl}'><{condition}/></failure>");
        if (countsAsAttempt && ++_authFailures >= _server.Options.MaxAuthAttempts)
        {
            Close("policy-violation", "too many failed authentication attempts");
        }
    }

    // ---- stanzas --------------------------------------------------------------------------------------

    private void OnPresence(XElement presence)
    {
        // Directed presence (to someone) and subscription requests have nobody to go to: there is no roster.
        if (presence.Attribute("to") is not null)
        {
            return;
        }

        switch ((string?)presence.Attribute("type"))
        {
            case null:
                Available = true;
                break;
            case "unavailable":
                Available = false;
                break;
        }
    }

    private void OnMessage(XElement message)
    {
        // Nobody can receive messages here: answer like an unavailable service (RFC 6121 §8.5.2), except errors.
        var type = (string?)message.Attribute("type");
        if (type is "error" or "groupchat" or "headline")
        {
            return;
        }

        var reply = new XElement(Ns.XClient + "message", new XAttribute("type", "error"));
        CopyAddresses(message, reply);
        reply.Add(ErrorElement("cancel", "service-unavailable"));
        Send(reply);
    }

    private void OnIq(XElement iq)
    {
        var type = (string?)iq.Attribute("type");
        var id = (string?)iq.Attribute("id");
        if (id is null || type is not ("get" or "set" or "result" or "error"))
        {
            Send(IqError(iq, "modify", "bad-request"));
            return;
        }

        if (type is "result" or "error")
        {
            if (id == _pingId)
            {
                _pingId = null;
            }

            return;
        }

        var payloads = iq.Elements().ToList();
        if (payloads.Count != 1)
        {
            Send(IqError(iq, "modify", "bad-request"));
            return;
        }

        var payload = payloads[0];
        var to = (string?)iq.Attribute("to");
        if (string.Equals(to, _server.PubSubDomain, StringComparison.OrdinalIgnoreCase))
        {
            OnPubSubServiceIq(iq, type, payload);
            return;
        }

        if (!IsServerOrSelf(to))
        {
            // No other entities live here (RFC 6121 §8.5.1/8.5.3).
            Send(IqError(iq, "cancel", "service-unavailable"));
            return;
        }

        switch (payload.Name.NamespaceName, payload.Name.LocalName, type)
        {
            case (Ns.Bind, "bind", "set"):
                Bind(iq, payload);
                break;
            case (Ns.Session, "session", "set"):
                Send(Result(iq));
                break;
            case (Ns.Ping, "ping", "get"):
                Send(Result(iq));
                break;
            case (Ns.Roster, "query", "get"):
                Send(Result(iq, new XElement(XName.Get("query", Ns.Roster))));
                break;
            case (Ns.Roster, "query", "set"):
                // The roster is always empty: Finesse uses no contacts.
                Send(IqError(iq, "cancel", "not-allowed"));
                break;
            case (Ns.DiscoInfo, "query", "get"):
                Send(Result(iq, ServerInfo(payload)));
                break;
            case (Ns.DiscoItems, "query", "get"):
                Send(Result(iq, new XElement(XName.Get("query", Ns.DiscoItems), CopyNode(payload),
                    (string?)payload.Attribute("node") is null
                        ? new XElement(XName.Get("item", Ns.DiscoItems), new XAttribute("jid", _server.PubSubDomain), new XAttribute("name", "Finesse notifications"))
                        : null)));
                break;
            default:
                Send(IqError(iq, "cancel", "service-unavailable"));
                break;
        }
    }

    private bool IsServerOrSelf(string? to)
    {
        if (to is null || string.Equals(to, _server.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return BareJid is { } bare && (string.Equals(to, bare, StringComparison.OrdinalIgnoreCase) || string.Equals(to, FullJid, StringComparison.Ordinal));
    }

    private XElement ServerInfo(XElement query)
    {
        var info = new XElement(XName.Get("query", Ns.DiscoInfo), CopyNode(query));
        if ((string?)query.Attribute("node") is not null)
        {
            return info;
        }

        info.Add(new XElement(XName.Get("identity", Ns.DiscoInfo), new XAttribute("category", "server"), new XAttribute("type", "im"), new XAttribute("name", "MRD Simulator")));
        foreach (var feature in new[] { Ns.DiscoInfo, Ns.DiscoItems, Ns.Ping, Ns.Roster })
        {
            info.Add(new XElement(XName.Get("feature", Ns.DiscoInfo), new XAttribute("var", feature)));
        }

        return info;
    }

    private void Bind(XElement iq, XElement bind)
    {
        if (State == SessionState.Bound)
        {
            Send(IqError(iq, "cancel", "not-allowed"));
            return;
        }

        var requested = ((string?)bind.Element(Ns.XBind + "resource"))?.Trim();
        string resource;
        if (string.IsNullOrEmpty(requested))
        {
            resource = "mrdsim-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        }
        else if (Encoding.UTF8.GetByteCount(requested) > 1023 || requested.Any(char.IsControl))
        {
            Send(IqError(iq, "modify", "bad-request"));
            return;
        }
        else
        {
            resource = requested;
        }

        if (_server.SessionLimit.TryAcquire(User!.Id) is not { } lease)
        {
            // RFC 6120 §7.6.2.1: a resource limit is a bind error; the stream then ends, as it can do nothing more.
            Send(IqError(iq, "wait", "resource-constraint"));
            Close("policy-violation", _server.SessionLimit.Refusal(User.Id));
            return;
        }

        _sessionLease = lease;
        Resource = resource;
        FullJid = BareJid + "/" + resource;
        State = SessionState.Bound;
        _server.Bind(this);

        // Finesse subscribes a signed-in user to their own nodes; explicit subscribe is then idempotent.
        foreach (var node in NodeKey.AllFor(User!.Id))
        {
            Subscribe(node);
        }

        _ = AnswerBindWhenWatchedAsync(Result(iq, new XElement(Ns.XBind + "bind", new XElement(Ns.XBind + "jid", FullJid))), User.Id);
    }

    /// <summary>
    /// The bind result goes out once this process receives the user's Updates, so a client that signs in right after
    /// binding cannot miss the first one. A client waits for the result before anything else, so nothing overtakes it.
    /// </summary>
    private async Task AnswerBindWhenWatchedAsync(XElement result, string userId)
    {
        IDisposable watch;
        try
        {
            watch = await _server.Relay.WatchAsync(userId, AbortToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || Http.GrainFailureMiddleware.IsGrainFailure(ex))
        {
            Close("internal-server-error", "The notification service is unavailable; reconnect later");
            return;
        }

        bool kept;
        lock (_subscriptions)
        {
            kept = Volatile.Read(ref _detached) == 0;
            if (kept)
            {
                _watch = watch;
            }
        }

        if (!kept)
        {
            watch.Dispose();
            return;
        }

        Send(result);
    }

    private bool Subscribe(NodeKey node)
    {
        lock (_subscriptions)
        {
            if (_subscriptions.ContainsKey(node.Kind) || Closing)
            {
                return false;
            }

            _subscriptions[node.Kind] = _server.Hub.Subscribe(node, this);
            return true;
        }
    }

    private bool Unsubscribe(NodeKey node)
    {
        IDisposable? subscription;
        lock (_subscriptions)
        {
            if (!_subscriptions.Remove(node.Kind, out subscription))
            {
                return false;
            }
        }

        subscription.Dispose();
        return true;
    }

    private bool IsSubscribed(NodeKind kind)
    {
        lock (_subscriptions)
        {
            return _subscriptions.ContainsKey(kind);
        }
    }

    // ---- stanza helpers -------------------------------------------------------------------------------

    private XElement Result(XElement iq, XElement? payload = null)
    {
        var reply = new XElement(Ns.XClient + "iq", new XAttribute("type", "result"), new XAttribute("id", (string?)iq.Attribute("id") ?? string.Empty));
        CopyAddresses(iq, reply);
        if (payload is not null)
        {
            reply.Add(payload);
        }

        return reply;
    }

    private XElement IqError(XElement iq, string type, string condition, XElement? detail = null)
    {
        var reply = new XElement(Ns.XClient + "iq", new XAttribute("type", "error"));
        if ((string?)iq.Attribute("id") is { } id)
        {
            reply.SetAttributeValue("id", id);
        }

        CopyAddresses(iq, reply);
        reply.Add(ErrorElement(type, condition, detail));
        return reply;
    }

    private static XElement ErrorElement(string type, string condition, XElement? detail = null) =>
        new(Ns.XClient + "error", new XAttribute("type", type), new XElement(XName.Get(condition, Ns.Stanzas)), detail);

    /// <summary>A reply comes from where the request went and goes to this session's JID.</summary>
    private void CopyAddresses(XElement request, XElement reply)
    {
        if ((string?)request.Attribute("to") is { } to)
        {
            reply.SetAttributeValue("from", to);
        }

        if (FullJid is not null)
        {
            reply.SetAttributeValue("to", FullJid);
        }
    }

    private static XAttribute? CopyNode(XElement query) =>
        (string?)query.Attribute("node") is { } node ? new XAttribute("node", node) : null;
}
