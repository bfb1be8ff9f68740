namespace MrdSimulator.Gateway.Xmpp;

/// <summary>Settings of the XMPP notification service (section <c>Simulator:Xmpp</c>, switches <c>--xmpp-*</c>).</summary>
public sealed record XmppOptions
{
    /// <summary>XMPP client-to-server TCP port; 0 picks a free one, -1 disables the TCP listener.</summary>
    public int Port { get; init; } = 5222;

    /// <summary>Address the TCP listener binds to; loopback by default like the HTTP side.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>PKCS#12 file with the certificate STARTTLS offers; no file, no STARTTLS.</summary>
    public string? CertificateFile { get; init; }

    public string? CertificatePassword { get; init; }

    /// <summary>Unencrypted streams from loopback peers are allowed (the simulator's normal use).</summary>
    public bool AllowPlaintextOnLoopback { get; init; } = true;

    /// <summary>Unencrypted streams from other peers are allowed (otherwise STARTTLS is required).</summary>
    public bool AllowPlaintext { get; init; }

    /// <summary>Stanzas (and notifications) a session may have waiting to be written before it is closed as a slow consumer.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Largest incoming stanza (or WebSocket message / BOSH body) in bytes; larger ones close the stream with policy-violation.</summary>
    public int MaxStanzaBytes { get; init; } = 64 * 1024;

    /// <summary>Concurrent XMPP connections (TCP + WebSocket + BOSH sessions) accepted; more get resource-constraint.</summary>
    public int MaxConnections { get; init; } = 50_000;

    /// <summary>Time from connection to successful SASL before the stream is closed.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Silence after which the server pings the client (XEP-0199).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Silence after which the stream is closed with connection-timeout.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Longest a BOSH request is held (the client's <c>wait</c> is capped to this).</summary>
    public TimeSpan BoshMaxWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>BOSH inactivity: a session with no request pending for this long is ended.</summary>
    public TimeSpan BoshInactivity { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>SASL failures allowed on one stream before it is closed (RFC 6120 §6.4.5: 2–5).</summary>
    public int MaxAuthAttempts { get; init; } = 3;
}
