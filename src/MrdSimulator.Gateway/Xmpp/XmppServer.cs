using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.Security;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// The XMPP service: admits sessions of every transport (capped), keeps the table of bound JIDs, runs the
/// TCP listener (RFC 6120, port 5222 by default) and a once-a-second sweep for authentication time, idleness
/// and server-to-client pings.
/// </summary>
public sealed class XmppServer : IHostedService, IDisposable
{
    public const string MeterName = "MrdSimulator.Xmpp";

    private int _stopState;
    private readonly ConcurrentDictionary<long, XmppSession> _sessions = new();
    private readonly ConcurrentDictionary<string, long> _authentications = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, XmppSession> _bound = new(StringComparer.Ordinal);
    private readonly ILogger<XmppServer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly X509Certificate2? _certificate;
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _sweepLoop;
    private int _connections;
    private long _slowConsumers;
    private long _rejected;

    public XmppServer(SimulatorOptions options, SimulatorDirectory directory, FinesseAuthenticator authenticator, NotificationHub hub, NotificationRelay relay, ILogger<XmppServer> logger, UserSessionLimit sessionLimit, IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Options = options.Xmpp;
        SessionLimit = sessionLimit;
        Domain = options.XmppDomain;
        PubSubDomain = options.XmppPubSubDomain;
        Hub = hub;
        Relay = relay;
        _logger = logger;
        Sasl = new SaslAuthenticator(directory, authenticator, Domain);
        if (Options.CertificateFile is { } file)
        {
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(file, Options.CertificatePassword);
        }

        meter.CreateObservableGauge("mrdsim.xmpp.connections", () => Volatile.Read(ref _connections), description: "Open XMPP connections");
        meter.CreateObservableCounter("mrdsim.xmpp.slow_consumers", () => Interlocked.Read(ref _slowConsumers), description: "Sessions closed because their outbound queue filled");
        meter.CreateObservableCounter("mrdsim.xmpp.rejected", () => Interlocked.Read(ref _rejected), description: "Connections refused by the connection cap");
    }

    public XmppOptions Options { get; }

    public string Domain { get; }

    public string PubSubDomain { get; }

    internal NotificationHub Hub { get; }

    internal NotificationRelay Relay { get; }

    /// <summary>Bound sessions count toward the user's notification sessions, with the SSE streams.</summary>
    internal UserSessionLimit SessionLimit { get; }

    internal SaslAuthenticator Sasl { get; }

    internal X509Certificate2? Certificate => _certificate;

    /// <summary>Where the TCP listener listens (null when disabled or not started).</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    public int ConnectionCount => Volatile.Read(ref _connections);

    public long SlowConsumerClosures => Interlocked.Read(ref _slowConsumers);

    public long RejectedConnections => Interlocked.Read(ref _rejected);

    /// <summary>Full JIDs of the bound sessions of a user.</summary>
    public IReadOnlyList<string> BoundJids(string userId) =>
        [.. _bound.Keys.Where(j => j.StartsWith(userId + "@", StringComparison.Ordinal))];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Options.Port >= 0)
        {
            var address = IPAddress.Parse(Options.BindAddress);
            var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(new IPEndPoint(address, Options.Port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // Start-up stops with the same plain message as a busy HTTP port (Program reports it).
                listener.Dispose();
                throw new IOException(
                    $"Failed to bind XMPP to {address}:{Options.Port}: address already in use (--xmpp-port 0 picks a free port, -1 turns XMPP over TCP off).",
                    new Microsoft.AspNetCore.Connections.AddressInUseException(ex.Message, ex));
            }

            listener.Listen(1024);
            _listener = listener;
            TcpEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _acceptLoop = AcceptLoopAsync(listener);
            Console.WriteLine($"XMPP listening on {TcpEndPoint} (domain {Domain}, pubsub {PubSubDomain})");
        }

        _sweepLoop = SweepLoopAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Hosts may stop twice, or stop after the container disposed this service (test hosts do both).
        if (Interlocked.Exchange(ref _stopState, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener?.Dispose();
        foreach (var session in _sessions.Values)
        {
            session.Close("system-shutdown", "the simulator is stopping");
        }

        foreach (var task in new[] { _acceptLoop, _sweepLoop })
        {
            if (task is not null)
            {
                await task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopState, 2) == 0)
        {
            _stopping.Cancel();
            _listener?.Dispose();
        }

        _stopping.Dispose();
        _listener?.Dispose();
        _certificate?.Dispose();
    }

    /// <summary>Admits a new session, or returns null when the connection cap is reached.</summary>
    internal XmppSession? Admit(XmppFraming framing, bool secure, bool loopback, bool tlsAvailable)
    {
        if (RefuseNewSessions?.Invoke() == true)
        {
            Interlocked.Increment(ref _rejected);
            return null;
        }

        while (true)
        {
            var current = Volatile.Read(ref _connections);
            if (current >= Options.MaxConnections)
            {
                Interlocked.Increment(ref _rejected);
                return null;
            }

            if (Interlocked.CompareExchange(ref _connections, current + 1, current) == current)
            {
                break;
            }
        }

        var session = new XmppSession(this, framing, secure, loopback, tlsAvailable);
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>Chaos (docs/chaos.md): while this answers true, new connections are refused as when the server is full.</summary>
    public Func<bool>? RefuseNewSessions { get; set; }

    /// <summary>
    /// Chaos: closes the sessions whose user (null before authentication) matches; returns how many.
    /// <paramref name="lost"/> hears of the Updates each cut costs (user, Update, when it was written before a reset).
    /// </summary>
    public int CloseSessions(Func<string?, bool> matchUser, bool reset, Action<string?, Notification, long?>? lost = null)
    {
        var closed = 0;
        foreach (var session in _sessions.Values)
        {
            if (session.Closing || !matchUser(session.User?.Id))
            {
                continue;
            }

            var user = session.User?.Id;
            session.Cut(reset, lost is null ? null : (update, written) => lost(user, update, written));

            closed++;
        }

        return closed;
    }

    /// <summary>Records a bound resource; an existing session with the same full JID is replaced (RFC 6120 §7.7.2.2).</summary>
    internal void Bind(XmppSession session)
    {
        XmppSession? previous = null;
        _bound.AddOrUpdate(session.FullJid!, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        if (previous is not null && !ReferenceEquals(previous, session))
        {
            previous.Close("conflict", "the resource was bound by a new session");
        }
    }

    internal void Remove(XmppSession session)
    {
        if (_sessions.TryRemove(session.Id, out _))
        {
            Interlocked.Decrement(ref _connections);
        }

        if (session.FullJid is { } jid)
        {
            _bound.TryRemove(new KeyValuePair<string, XmppSession>(jid, session));
        }
    }

    internal void CountSlowConsumer()
    {
        Interlocked.Increment(ref _slowConsumers);
        _logger.LogWarning("XMPP session closed: outbound queue full (slow consumer)");
    }

    /// <summary>Successful SASL authentications by mechanism (which mechanism real clients chose).</summary>
    public long Authentications(string mechanism) => _authentications.TryGetValue(mechanism, out var count) ? count : 0;

    internal void CountAuthentication(string mechanism) => _authentications.AddOrUpdate(mechanism, 1, static (_, n) => n + 1);

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                _logger.LogWarning(ex, "XMPP accept failed");
                continue;
            }

            socket.NoDelay = true;
            _ = new XmppTcpConnection(this, socket, _logger).RunAsync(_stopping.Token);
        }
    }

    private async Task SweepLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Environment.TickCount64;
                foreach (var session in _sessions.Values)
                {
                    session.Tick(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
