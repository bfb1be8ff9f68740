using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;

namespace MrdSimulator.Load.Finesse.Xmpp;

/// <summary>Whether the XMPP client uses STARTTLS.</summary>
public enum XmppTlsMode
{
    /// <summary>Use STARTTLS when the server offers it (the simulator offers it only with a certificate configured).</summary>
    Auto,

    /// <summary>Fail when the server does not offer STARTTLS.</summary>
    Required,

    /// <summary>Never use STARTTLS; fail when the server requires it.</summary>
    Off,
}

/// <summary>Settings of <see cref="XmppNotificationSource"/>.</summary>
public sealed record XmppSourceOptions
{
    /// <summary>XMPP server host; null = the base URL's host.</summary>
    public string? Host { get; init; }

    public int Port { get; init; } = 5222;

    /// <summary>XMPP domain (stream <c>to</c>, JID domain); null = <c>xmppDomain</c> from <c>GET /finesse/api/SystemInfo</c>, as Finesse clients do.</summary>
    public string? Domain { get; init; }

    public XmppTlsMode Tls { get; init; } = XmppTlsMode.Auto;

    /// <summary>Accept any server certificate (the simulator's self-signed development certificate); otherwise the system's trust and the XMPP domain are checked.</summary>
    public bool AcceptAnyCertificate { get; init; }

    /// <summary>A whitespace keepalive is sent on a session quiet for this long (zero = never; the server's pings are answered anyway).</summary>
    public TimeSpan Keepalive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit for one connection attempt: TCP connect, TLS, SASL and bind.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest first-level element accepted from the server.</summary>
    public int MaxStanzaBytes { get; init; } = 1024 * 1024;
}

/// <summary>A notification session could not be opened; <see cref="Status"/> is the status recorded for the subscribe step.</summary>
public sealed class NotificationConnectException(string message, int status, Exception? inner = null) : IOException(message, inner)
{
    public int Status { get; } = status;
}

/// <summary>
/// Notifications over XMPP, as real Finesse clients get them: one client-to-server TCP session per agent
/// (RFC 6120: optional STARTTLS, SASL PLAIN, resource bind, presence). The server subscribes the bound session to
/// the user's nodes (Finesse auto-subscription), so each pubsub event message's <c>&lt;notification&gt;</c> text is
/// the escaped <c>&lt;Update&gt;</c>, fed to <see cref="FinesseUpdate.Parse"/> and the sink as the SSE source does.
/// Server pings (XEP-0199) are answered; quiet sessions send whitespace keepalives; a closed stream or a dropped
/// socket is re-opened for as long as the run lasts (XMPP has no replay: what was published meanwhile is lost).
/// One async read loop per session; an idle session holds no read buffer.
/// </summary>
public sealed class XmppNotificationSource : INotificationSource
{
    private readonly ConcurrentDictionary<string, XmppAgentSession> _sessions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Uri _baseUrl;
    private readonly Lock _gate = new();
    private readonly Task _keepalive;
    private Task<IPEndPoint>? _endPoint;
    private Task<string>? _domain;
    private HttpClient? _http;
    private long _events;
    private long _reconnects;
    private int _bound;

    public XmppNotificationSource(Uri baseUrl, INotificationSink sink, XmppSourceOptions? options = null)
    {
        _baseUrl = baseUrl;
        Sink = sink;
        Options = options ?? new XmppSourceOptions();
        Host = Options.Host ?? baseUrl.Host;
        StopToken = _stop.Token;

        // One resource per driver process: a second driver against the same simulator does not knock these sessions off.
        Resource = "mrdload-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        _keepalive = Options.Keepalive > TimeSpan.Zero ? KeepaliveLoopAsync() : Task.CompletedTask;
    }

    public string Name => "xmpp";

    public XmppSourceOptions Options { get; }

    public string Host { get; }

    internal string Resource { get; }

    internal INotificationSink Sink { get; }

    internal CancellationToken StopToken { get; }

    /// <summary>Notifications received (parsed or not).</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Connection attempts after a session was lost.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Sessions bound right now.</summary>
    public int BoundSessions => Volatile.Read(ref _bound);

    public Task SubscribeAsync(string userId, string password, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(StopToken.IsCancellationRequested, this);
        var session = _sessions.GetOrAdd(userId, static (id, source) => new XmppAgentSession(source, id), this);
        return session.EnsureStarted(password).WaitAsync(cancellationToken);
    }

    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);

    internal void CountBound(int delta) => Interlocked.Add(ref _bound, delta);

    internal void Dispatch(string userId, string xml, long receivedTicks)
    {
        Interlocked.Increment(ref _events);
        FinesseUpdate? update;
        try
        {
            update = FinesseUpdate.Parse(xml);
        }
        catch (XmlException ex)
        {
            Sink.OnTransportEvent(userId, $"unparsable notification: {ex.Message}");
            return;
        }

        if (update is not null)
        {
            Sink.OnNotification(update, receivedTicks);
        }
    }

    /// <summary>The server's address, resolved once (a failed lookup is retried by the next connection).</summary>
    internal Task<IPEndPoint> EndPointAsync()
    {
        lock (_gate)
        {
            if (_endPoint is null || _endPoint.IsFaulted || _endPoint.IsCanceled)
            {
                _endPoint = ResolveAsync();
            }

            return _endPoint;
        }
    }

    private async Task<IPEndPoint> ResolveAsync()
    {
        if (IPAddress.TryParse(Host, out var address))
        {
            return new IPEndPoint(address, Options.Port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(Host, StopToken);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new NotificationConnectException($"XMPP host '{Host}' has no address", Stats.StatusCodes.ConnectionError);
            return new IPEndPoint(chosen, Options.Port);
        }
        catch (SocketException ex)
        {
            throw new NotificationConnectException($"cannot resolve the XMPP host '{Host}': {ex.Message} (--xmpp-host)", Stats.StatusCodes.ConnectionError, ex);
        }
    }

    /// <summary>The XMPP domain: configured, or read once from SystemInfo with the first user's credentials.</summary>
    internal Task<string> DomainAsync(string userId, string password)
    {
        if (Options.Domain is { } configured)
        {
            return Task.FromResult(configured);
        }

        lock (_gate)
        {
            if (_domain is null || _domain.IsFaulted || _domain.IsCanceled)
            {
                _domain = ReadDomainAsync(userId, password);
            }

            return _domain;
        }
    }

    private async Task<string> ReadDomainAsync(string userId, string password)
    {
        var url = new Uri(_baseUrl, "/finesse/api/SystemInfo");
        try
        {
            HttpClient http;
            lock (_gate)
            {
                http = _http ??= new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
                {
                    Timeout = TimeSpan.FromSeconds(10),
                };
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", AgentMedia.Basic(userId, password).Parameter);
            using var response = await http.SendAsync(request, StopToken);
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode == HttpStatusCode.Unauthorized ? "check --password, or give --xmpp-domain" : "give --xmpp-domain";
                throw new NotificationConnectException(
                    $"cannot read the XMPP domain: GET {url} as user {userId} answered {(int)response.StatusCode} {response.ReasonPhrase} ({hint})", (int)response.StatusCode);
            }

            var body = await response.Content.ReadAsStringAsync(StopToken);
            using var reader = XmlReader.Create(new StringReader(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "xmppDomain")
                {
                    var domain = reader.ReadElementContentAsString().Trim();
                    if (domain.Length > 0)
                    {
                        return domain;
                    }
                }
            }

            throw new NotificationConnectException($"GET {url} has no <xmppDomain> (give --xmpp-domain)", Stats.StatusCodes.ConnectionError);
        }
        catch (Exception ex) when (ex is HttpRequestException or XmlException or TaskCanceledException && !StopToken.IsCancellationRequested)
        {
            throw new NotificationConnectException($"cannot read the XMPP domain from GET {url}: {ex.Message} (give --xmpp-domain)", Stats.StatusCodes.ConnectionError, ex);
        }
    }

    private async Task KeepaliveLoopAsync()
    {
        var interval = Options.Keepalive;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(interval.TotalMilliseconds / 4, 50, 5000)));
        try
        {
            while (await timer.WaitForNextTickAsync(StopToken))
            {
                var now = Environment.TickCount64;
                foreach (var session in _sessions.Values)
                {
                    session.KeepaliveIfQuiet(now, (long)interval.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (StopToken.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        var sessions = _sessions.Values.ToList();
        try
        {
            // Close politely (</stream:stream>) so the server ends each session at once instead of on a broken socket.
            await Task.WhenAll(sessions.Select(s => s.CloseAsync())).WaitAsync(TimeSpan.FromSeconds(5));
            await Task.WhenAll(sessions.Select(s => s.Loop).Append(_keepalive)).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // A session that does not end in time is abandoned; its socket is closed.
        }

        _http?.Dispose();
        _stop.Dispose();
    }
}

/// <summary>One agent's XMPP session: connect and sign in, then read events until the stream ends, then reconnect.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The write lock never allocates a wait handle (async waits only); the connection closes its own stream.")]
internal sealed class XmppAgentSession(XmppNotificationSource source, string userId)
{
    private static readonly byte[] Space = " "u8.ToArray();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly XmppConnection _connection = new(source, userId);
    private Task? _started;
    private string _password = string.Empty;

    public string UserId { get; } = userId;

    public Task Loop { get; private set; } = Task.CompletedTask;

    /// <summary>The first connection (once; again after it failed). Completes when the session is bound and subscribed.</summary>
    public Task EnsureStarted(string password)
    {
        lock (_gate)
        {
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _password = password;
                _started = StartAsync();
            }

            return _started;
        }
    }

    private async Task StartAsync()
    {
        await _connection.OpenAsync(_password, _writeLock);
        Loop = RunAsync();
    }

    private async Task RunAsync()
    {
        var stop = source.StopToken;
        while (!stop.IsCancellationRequested)
        {
            string why;
            try
            {
                why = await _connection.ReadEventsAsync(_writeLock);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or XmppProtocolException or System.Security.Authentication.AuthenticationException)
            {
                why = ex switch
                {
                    XmppProtocolException => $"the server sent bad XML ({ex.Message})",
                    _ when (ex as SocketException ?? ex.InnerException as SocketException)?.SocketErrorCode == SocketError.ConnectionReset => "connection reset by the server (TCP RST)",
                    _ => $"connection lost ({ex.Message})",
                };
            }

            await _connection.CloseAsync(_writeLock, polite: !stop.IsCancellationRequested);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            source.Sink.OnTransportEvent(UserId, $"xmpp: {why}; reconnecting");

            // Keep trying as a real client would (an outage can last minutes); jitter spreads ten thousand reconnects.
            var delay = 50 + Random.Shared.Next(200);
            while (true)
            {
                try
                {
                    await Task.Delay(delay, stop);
                    source.CountReconnect();
                    await _connection.OpenAsync(_password, _writeLock);
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (NotificationConnectException ex)
                {
                    source.Sink.OnTransportEvent(UserId, $"xmpp reconnect failed: {ex.Message}");
                    delay = Math.Min(delay * 2, 2000) + Random.Shared.Next(100);
                }
            }
        }
    }

    public void KeepaliveIfQuiet(long now, long quietMs)
    {
        if (_connection.Bound && now - _connection.LastSend >= quietMs)
        {
            _ = _connection.TryWriteIfIdleAsync(Space, _writeLock);
        }
    }

    public Task CloseAsync() => _connection.CloseAsync(_writeLock, polite: true);
}

/// <summary>The socket, the read buffer and the protocol of one session (re-opened on reconnect).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "CloseAsync disposes the stream when the session ends or the source stops.")]
internal sealed class XmppConnection(XmppNotificationSource source, string userId) : IUpdateTarget
{
    private const int ReadSize = 8192;
    private const string StreamsNs = "http://etherx.jabber.org/streams";
    private const string ClientNs = "jabber:client";
    private const string TlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
    private const string SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
    private const string BindNs = "urn:ietf:params:xml:ns:xmpp-bind";
    private const string SessionNs = "urn:ietf:params:xml:ns:xmpp-session";
    private const string StreamErrorsNs = "urn:ietf:params:xml:ns:xmpp-streams";
    private const string PingNs = "urn:xmpp:ping";
    private const string StanzaErrorsNs = "urn:ietf:params:xml:ns:xmpp-stanzas";

    private static readonly XmlReaderSettings ColdSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 4 * 1024 * 1024,
    };

    private Stream? _stream;
    private byte[]? _buffer;
    private int _offset;
    private int _length;
    private bool _streamOpen;
    private string _streamsPrefix = "stream";
    private string? _streamError;
    private long _received;
    private long _lastSend;
    private int _bound;

    public bool Bound => Volatile.Read(ref _bound) != 0;

    public long LastSend => Volatile.Read(ref _lastSend);

    private int MaxItem => source.Options.MaxStanzaBytes;

    // ---- opening ------------------------------------------------------------------------------------

    /// <summary>Connects, signs in and binds; throws <see cref="NotificationConnectException"/> with a clear reason (or cancels when the source stops).</summary>
    public async Task OpenAsync(string password, SemaphoreSlim writeLock)
    {
        var stop = source.StopToken;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(source.Options.ConnectTimeout);
        var ct = timeout.Token;
        try
        {
            var endPoint = await source.EndPointAsync().WaitAsync(ct);
            var domain = await source.DomainAsync(userId, password).WaitAsync(ct);
            _streamError = null;
            _streamOpen = false;
            ReleaseBuffer();
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint, ct);
                _stream = new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception ex)
            {
                socket.Dispose();
                if (ex is SocketException)
                {
                    throw new NotificationConnectException(
                        $"cannot connect to the XMPP server {Where}: {ex.Message} (--xmpp-host, --xmpp-port)", Stats.StatusCodes.ConnectionError, ex);
                }

                throw;
            }

            await SignInAsync(domain, password, writeLock, ct);
            if (Interlocked.Exchange(ref _bound, 1) == 0)
            {
                source.CountBound(1);
            }

            if (stop.IsCancellationRequested)
            {
                await CloseAsync(writeLock, polite: true);
            }
        }
        catch (Exception ex)
        {
            DisposeStream();
            if (ex is NotificationConnectException || (ex is OperationCanceledException && stop.IsCancellationRequested))
            {
                throw;
            }

            throw Explain(ex);
        }
    }

    private string Where => $"{source.Host}:{source.Options.Port}";

    private NotificationConnectException Explain(Exception ex) => ex switch
    {
        OperationCanceledException => new NotificationConnectException(
            $"the XMPP server {Where} did not complete the sign-in of user {userId} within {source.Options.ConnectTimeout.TotalSeconds:0.#} s", Stats.StatusCodes.Timeout, ex),
        System.Security.Authentication.AuthenticationException => new NotificationConnectException(
            $"TLS with the XMPP server {Where} failed: {ex.Message}" + (source.Options.AcceptAnyCertificate ? "" : " (the simulator's development certificate needs --xmpp-accept-any-certificate)"),
            Stats.StatusCodes.ConnectionError,
            ex),
        XmppProtocolException => new NotificationConnectException($"the XMPP server {Where} sent bad XML: {ex.Message}", Stats.StatusCodes.ConnectionError, ex),
        EndOfStreamException => new NotificationConnectException(
            $"the XMPP server {Where} closed the connection during the sign-in of user {userId}" + (_streamError is null ? "" : $" ({_streamError})"), Stats.StatusCodes.ConnectionError, ex),
        _ => new NotificationConnectException(
            $"the connection to the XMPP server {Where} failed during the sign-in of user {userId}: {ex.Message}", Stats.StatusCodes.ConnectionError, ex),
    };

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Only with the explicit --xmpp-accept-any-certificate (the simulator's self-signed development certificate).")]
    private async Task SignInAsync(string domain, string password, SemaphoreSlim writeLock, CancellationToken ct)
    {
        var where = Where;
        var features = await OpenStreamAsync(domain, writeLock, ct);
        var starttls = features.Element(XName.Get("starttls", TlsNs));
        var tls = source.Options.Tls;
        if (starttls is not null && tls != XmppTlsMode.Off)
        {
            await WriteAsync($"<starttls xmlns='{TlsNs}'/>", writeLock, ct);
            var answer = await NextElementAsync(ct);
            if (answer.Name != XName.Get("proceed", TlsNs))
            {
                throw Refused($"the XMPP server {where} refused STARTTLS ({answer.Name.LocalName})", Stats.StatusCodes.ConnectionError);
            }

            // Nothing may follow <proceed/> before the TLS handshake: the buffer is empty.
            ReleaseBuffer();
            var ssl = new System.Net.Security.SslStream(_stream!, leaveInnerStreamOpen: false);
            _stream = ssl;
            await ssl.AuthenticateAsClientAsync(
                new System.Net.Security.SslClientAuthenticationOptions
                {
                    // RFC 6120 §13.7.2.1: the certificate is checked against the XMPP domain, not the host.
                    TargetHost = domain,
                    RemoteCertificateValidationCallback = source.Options.AcceptAnyCertificate ? static (_, _, _, _) => true : null,
                },
                ct);
            _streamOpen = false;
            features = await OpenStreamAsync(domain, writeLock, ct);
        }
        else if (tls == XmppTlsMode.Required)
        {
            throw Refused($"the XMPP server {where} does not offer STARTTLS (--xmpp-tls required); the simulator offers it only with Simulator:Xmpp:CertificateFile", Stats.StatusCodes.ConnectionError);
        }
        else if (starttls?.Element(XName.Get("required", TlsNs)) is not null)
        {
            throw Refused($"the XMPP server {where} requires STARTTLS but --xmpp-tls is off", Stats.StatusCodes.ConnectionError);
        }

        var mechanisms = features.Element(XName.Get("mechanisms", SaslNs))?.Elements(XName.Get("mechanism", SaslNs)).Select(m => m.Value.Trim()).ToList() ?? [];
        if (!mechanisms.Contains("PLAIN"))
        {
            throw Refused(
                $"the XMPP server {where} does not offer SASL PLAIN (offers: {(mechanisms.Count == 0 ? "none" : string.Join(", ", mechanisms))})",
                Stats.StatusCodes.ConnectionError);
        }

        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0" + userId + "\0" + password));
        await WriteAsync($"<auth xmlns='{SaslNs}' mechanism='PLAIN'>{plain}</auth>", writeLock, ct);
        var outcome = await NextElementAsync(ct);
        if (outcome.Name != XName.Get("success", SaslNs))
        {
            var condition = outcome.Elements().FirstOrDefault(e => e.Name.LocalName != "text")?.Name.LocalName ?? outcome.Name.LocalName;
            var text = outcome.Element(XName.Get("text", SaslNs))?.Value;
            throw Refused(
                $"XMPP sign-in of user {userId} refused by {where}: {condition}{(string.IsNullOrEmpty(text) ? "" : " (" + text + ")")} (check --password)",
                (int)HttpStatusCode.Unauthorized);
        }

        _streamOpen = false;
        features = await OpenStreamAsync(domain, writeLock, ct);
        if (features.Element(XName.Get("bind", BindNs)) is null)
        {
            throw Refused($"the XMPP server {where} offers no resource binding", Stats.StatusCodes.ConnectionError);
        }

        await WriteAsync(
            $"<iq type='set' id='bind-1'><bind xmlns='{BindNs}'><resource>{System.Security.SecurityElement.Escape(source.Resource)}</resource></bind></iq>", writeLock, ct);
        while (true)
        {
            var (kind, item) = await NextAsync(ct);
            if (kind != FrameKind.Element)
            {
                throw new EndOfStreamException();
            }

            if (IsStreamError(item))
            {
                throw Refused($"the XMPP server {where} refused the session of user {userId}: {DescribeStreamError(Cold(item))}", Stats.StatusCodes.ConnectionError);
            }

            if (IsIq(item, "bind-1", out var type))
            {
                if (type != "result")
                {
                    var error = Cold(item).Descendants().FirstOrDefault(e => e.Name.NamespaceName == StanzaErrorsNs)?.Name.LocalName ?? "error";
                    throw Refused($"the XMPP server {where} refused to bind resource '{source.Resource}' of user {userId}: {error}", Stats.StatusCodes.ConnectionError);
                }

                break;
            }

            // The server subscribes the session when it binds: an event may precede the bind result.
            if (HandleElement(item) is { } reply)
            {
                await WriteAsync(reply, writeLock, ct);
            }
        }

        // RFC 3921 session establishment only when the server says it is not optional; its result is not awaited.
        var session = features.Element(XName.Get("session", SessionNs));
        var presence = session is not null && session.Element(XName.Get("optional", SessionNs)) is null
            ? $"<iq type='set' id='session-1'><session xmlns='{SessionNs}'/></iq><presence/>"
            : "<presence/>";
        await WriteAsync(presence, writeLock, ct);
    }

    private static NotificationConnectException Refused(string message, int status) => new(message, status);

    /// <summary>Sends the stream header; returns the features (or throws the stream error the server sent instead).</summary>
    private async Task<XElement> OpenStreamAsync(string domain, SemaphoreSlim writeLock, CancellationToken ct)
    {
        await WriteAsync(
            $"<?xml version='1.0'?><stream:stream xmlns='{ClientNs}' xmlns:stream='{StreamsNs}' to='{System.Security.SecurityElement.Escape(domain)}' version='1.0' xml:lang='en'>",
            writeLock,
            ct);
        var (kind, header) = await NextAsync(ct);
        if (kind != FrameKind.StreamOpen)
        {
            throw new XmppProtocolException("expected the server's stream header");
        }

        ReadHeader(header);
        _streamOpen = true;
        var features = await NextElementAsync(ct);
        return features.Name == XName.Get("features", StreamsNs)
            ? features
            : throw new XmppProtocolException($"expected stream features, got <{features.Name.LocalName}>");
    }

    private void ReadHeader(byte[] header)
    {
        var span = header.AsSpan(1);
        var nameEnd = span.IndexOfAny(" \t\r\n>"u8);
        var qname = nameEnd < 0 ? span : span[..nameEnd];
        var colon = qname.IndexOf((byte)':');
        var prefix = colon < 0 ? "" : System.Text.Encoding.UTF8.GetString(qname[..colon]);
        var attributes = nameEnd < 0 ? default : span[nameEnd..^1];
        var decl = System.Text.Encoding.UTF8.GetBytes(prefix.Length == 0 ? "xmlns" : "xmlns:" + prefix);
        if (!XmlNames.LocalName(qname).SequenceEqual("stream"u8) ||
            !XmlSpanReader.TryGetAttribute(attributes, decl, out var ns) || !ns.SequenceEqual("http://etherx.jabber.org/streams"u8))
        {
            throw new XmppProtocolException("the stream header is not <stream:stream> in " + StreamsNs);
        }

        if (XmlSpanReader.TryGetAttribute(attributes, "version"u8, out var version) && !version.StartsWith("1."u8))
        {
            throw new XmppProtocolException($"unsupported XMPP version {System.Text.Encoding.UTF8.GetString(version)}");
        }

        _streamsPrefix = prefix;
    }

    /// <summary>The next first-level element; a stream error or the end of the stream throws with the server's reason.</summary>
    private async Task<XElement> NextElementAsync(CancellationToken ct)
    {
        var (kind, item) = await NextAsync(ct);
        if (kind == FrameKind.StreamClose)
        {
            throw new NotificationConnectException(
                $"the XMPP server {source.Host}:{source.Options.Port} closed the stream" + (_streamError is null ? "" : ": " + _streamError), Stats.StatusCodes.ConnectionError);
        }

        if (kind != FrameKind.Element)
        {
            throw new XmppProtocolException("a second stream header");
        }

        var element = Cold(item);
        if (element.Name == XName.Get("error", StreamsNs))
        {
            throw new NotificationConnectException(
                $"the XMPP server {source.Host}:{source.Options.Port} refused the session of user {userId}: {DescribeStreamError(element)}", Stats.StatusCodes.ConnectionError);
        }

        return element;
    }

    private static string DescribeStreamError(XElement error)
    {
        var condition = error.Elements().FirstOrDefault(e => e.Name.NamespaceName == StreamErrorsNs && e.Name.LocalName != "text")?.Name.LocalName ?? "undefined-condition";
        var text = error.Element(XName.Get("text", StreamErrorsNs))?.Value;
        return string.IsNullOrEmpty(text) ? condition : $"{condition}: {text}";
    }

    /// <summary>Parses a rarely seen element (features, SASL, iq…) with XmlReader: no DTD, no resolver.</summary>
    private XElement Cold(byte[] item)
    {
        var names = new NameTable();
        var scope = new XmlNamespaceManager(names);
        scope.AddNamespace(string.Empty, ClientNs);
        if (_streamsPrefix.Length > 0)
        {
            scope.AddNamespace(_streamsPrefix, StreamsNs);
        }

        using var reader = XmlReader.Create(new MemoryStream(item, writable: false), ColdSettings, new XmlParserContext(names, scope, null, XmlSpace.None));
        try
        {
            return XElement.Load(reader);
        }
        catch (XmlException ex)
        {
            throw new XmppProtocolException(ex.Message);
        }
    }

    // ---- reading ------------------------------------------------------------------------------------

    /// <summary>Reads events until the stream ends; returns why it ended.</summary>
    public async Task<string> ReadEventsAsync(SemaphoreSlim writeLock)
    {
        while (true)
        {
            var (closed, reply) = ProcessBuffered();
            if (reply is not null)
            {
                await WriteAsync(reply, writeLock, CancellationToken.None);
                continue;
            }

            if (closed)
            {
                return "stream closed by the server" + (_streamError is null ? "" : $" ({_streamError})");
            }

            if (!await FillAsync(CancellationToken.None))
            {
                return _streamError is null ? "connection closed by the server" : $"connection closed by the server ({_streamError})";
            }
        }
    }

    /// <summary>Handles every complete item in the buffer; stops early to let the caller send a reply.</summary>
    private (bool Closed, string? Reply) ProcessBuffered()
    {
        try
        {
            while (_buffer is not null && _length > _offset)
            {
                var kind = XmppFramer.Next(_buffer.AsSpan(_offset, _length - _offset), _streamOpen, MaxItem, out var start, out var consumed);
                var item = _buffer.AsSpan(_offset + start, consumed - start);
                _offset += consumed;
                switch (kind)
                {
                    case FrameKind.NeedMore:
                        return (false, null);
                    case FrameKind.StreamClose:
                        return (true, null);
                    case FrameKind.StreamOpen:
                        throw new XmppProtocolException("a stream header in the middle of the stream");
                }

                if (HandleElement(item) is { } reply)
                {
                    return (false, reply);
                }
            }

            return (false, null);
        }
        finally
        {
            Compact();
        }
    }

    /// <summary>
    /// One first-level element after bind. Pubsub event messages — nearly all the traffic — are read in place
    /// by <see cref="XmppEvents"/>; anything else is rare and parsed with XmlReader. Returns a reply to send, if any.
    /// </summary>
    private string? HandleElement(ReadOnlySpan<byte> item)
    {
        if (XmppEvents.Read(item, this) != StanzaKind.Other)
        {
            return null;
        }

        var element = Cold(item.ToArray());
        if (element.Name == XName.Get("error", StreamsNs))
        {
            _streamError = DescribeStreamError(element);
            return null;
        }

        if (element.Name == XName.Get("iq", ClientNs) && (string?)element.Attribute("type") is "get" or "set")
        {
            // Every iq get/set is answered (RFC 6120 §8.2.3): a ping with a result, anything else with an error.
            var id = System.Security.SecurityElement.Escape((string?)element.Attribute("id") ?? "");
            var to = (string?)element.Attribute("from") is { } from ? $" to='{System.Security.SecurityElement.Escape(from)}'" : "";
            return element.Element(XName.Get("ping", PingNs)) is not null
                ? $"<iq type='result' id='{id}'{to}/>"
                : $"<iq type='error' id='{id}'{to}><error type='cancel'><service-unavailable xmlns='{StanzaErrorsNs}'/></error></iq>";
        }

        return null;
    }

    void IUpdateTarget.OnUpdate(string xml) => source.Dispatch(userId, xml, Volatile.Read(ref _received));

    private static bool IsIq(byte[] item, string id, out string? type)
    {
        Span<int> open = stackalloc int[64];
        var reader = new XmlSpanReader(item, open);
        reader.Read();
        type = null;
        if (!XmlNames.LocalName(reader.Name).SequenceEqual("iq"u8) ||
            !XmlSpanReader.TryGetAttribute(reader.Attributes, "id"u8, out var raw) ||
            !raw.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(id)))
        {
            return false;
        }

        type = XmlSpanReader.TryGetAttribute(reader.Attributes, "type"u8, out var t) ? System.Text.Encoding.UTF8.GetString(t) : null;
        return true;
    }

    /// <summary>The next item, copied (sign-in only: a few per connection).</summary>
    private async Task<(FrameKind Kind, byte[] Item)> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            if (_buffer is not null && _length > _offset)
            {
                var kind = XmppFramer.Next(_buffer.AsSpan(_offset, _length - _offset), _streamOpen, MaxItem, out var start, out var consumed);
                if (kind != FrameKind.NeedMore)
                {
                    var copy = _buffer.AsSpan(_offset + start, consumed - start).ToArray();
                    _offset += consumed;
                    Compact();
                    return (kind, copy);
                }

                _offset += consumed;
                Compact();
            }

            if (!await FillAsync(ct))
            {
                throw new EndOfStreamException();
            }
        }
    }

    private static bool IsStreamError(byte[] item)
    {
        Span<int> open = stackalloc int[64];
        var reader = new XmlSpanReader(item, open);
        reader.Read();
        return XmlNames.LocalName(reader.Name).SequenceEqual("error"u8) && XmlNames.IsIn(ref reader, "http://etherx.jabber.org/streams"u8, "jabber:client"u8);
    }

    /// <summary>Reads more bytes; false at the end of the stream. An idle session waits without a buffer.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(XmppConnection));
        if (_buffer is null)
        {
            _ = await stream.ReadAsync(Memory<byte>.Empty, ct);
            _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ReadSize);
            _offset = _length = 0;
        }
        else if (_length == _buffer.Length)
        {
            if (_buffer.Length > MaxItem + ReadSize)
            {
                throw new XmppProtocolException($"a stanza of more than {MaxItem} bytes");
            }

            var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_length), ct);
        Volatile.Write(ref _received, Stopwatch.GetTimestamp());
        if (read == 0)
        {
            return false;
        }

        _length += read;
        return true;
    }

    /// <summary>Drops handled bytes; gives the buffer back when nothing is pending.</summary>
    private void Compact()
    {
        if (_buffer is null)
        {
            return;
        }

        if (_offset >= _length)
        {
            ReleaseBuffer();
        }
        else if (_offset > 0)
        {
            _buffer.AsSpan(_offset, _length - _offset).CopyTo(_buffer);
            _length -= _offset;
            _offset = 0;
        }
    }

    private void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _offset = _length = 0;
    }

    // ---- writing and closing ------------------------------------------------------------------------

    private async Task WriteAsync(string text, SemaphoreSlim writeLock, CancellationToken ct)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await writeLock.WaitAsync(ct);
        try
        {
            var stream = _stream ?? throw new ObjectDisposedException(nameof(XmppConnection));
            await stream.WriteAsync(bytes, ct);
            Volatile.Write(ref _lastSend, Environment.TickCount64);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Keepalive: skipped when a write is under way (that write keeps the session alive anyway).</summary>
    public async Task TryWriteIfIdleAsync(byte[] bytes, SemaphoreSlim writeLock)
    {
        if (!writeLock.Wait(0))
        {
            return;
        }

        try
        {
            if (_stream is { } stream && Bound)
            {
                Volatile.Write(ref _lastSend, Environment.TickCount64);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await stream.WriteAsync(bytes, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
        {
            // The read loop sees the broken connection and reconnects.
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Ends the connection, after our <c>&lt;/stream:stream&gt;</c> when <paramref name="polite"/>.</summary>
    public async Task CloseAsync(SemaphoreSlim writeLock, bool polite)
    {
        if (Interlocked.Exchange(ref _bound, 0) != 0)
        {
            source.CountBound(-1);
        }

        var stream = _stream;
        if (stream is null)
        {
            return;
        }

        if (polite)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await WriteAsync("</stream:stream>", writeLock, timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or NotSupportedException or InvalidOperationException)
            {
                // Gone already.
            }
        }

        DisposeStream();
    }

    private void DisposeStream()
    {
        var stream = Interlocked.Exchange(ref _stream, null);
        try
        {
            stream?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Closing a broken connection.
        }
    }
}
