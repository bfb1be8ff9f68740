using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.Gateway.Xmpp;

namespace MrdSimulator.Gateway.Tests.Chaos;

/// <summary>XMPP faults against the real XMPP listener, with a raw client speaking XMPP over TCP.</summary>
public sealed class XmppFaultTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new(xmpp: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task XmppDisconnectClosesSessionsInScopeWithAStreamError()
    {
        using var a = await SignInAsync("1000");
        using var b = await SignInAsync("1001");

        await _h.AddAsync("""{"kind":"xmpp.disconnect","scope":{"users":["1000"]}}""");

        var endA = await a.ReadToEndAsync();
        Assert.Contains("<system-shutdown", endA, StringComparison.Ordinal);
        Assert.EndsWith("</stream:stream>", endA, StringComparison.Ordinal);
        Assert.False(b.Ended);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.XmppDisconnect));
    }

    [Fact]
    public async Task XmppResetEndsTheConnectionWithoutAClosingTag()
    {
        using var a = await SignInAsync("1000");

        await _h.AddAsync("""{"kind":"xmpp.disconnect","mode":"reset"}""");

        var end = await a.ReadToEndAsync();
        Assert.DoesNotContain("</stream:stream>", end, StringComparison.Ordinal);
        Assert.DoesNotContain("<stream:error", end, StringComparison.Ordinal);
    }

    [Fact]
    public async Task XmppResetAbortsTheTcpConnectionWithAnRstNotAFin()
    {
        using var reset = await SignInAsync("1000");
        using var orderly = await SignInAsync("1001");

        await _h.AddAsync("""[{"kind":"xmpp.disconnect","mode":"reset","scope":{"users":["1000"]}},{"kind":"xmpp.disconnect","scope":{"users":["1001"]}}]""");

        Assert.Equal(SocketError.ConnectionReset, await reset.HowItEndsAsync());
        Assert.Equal(SocketError.Success, await orderly.HowItEndsAsync()); // a stream error, then a FIN: a clean 0-byte read
    }

    [Fact]
    public async Task UpdatesAnXmppResetCostAreRecordedAgainstItUntilTheUserSubscribesAgain()
    {
        using var xmpp = await SignInAsync("1000");
        using var rest = _h.Agent("1000");
        await rest.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn, "read-before");
        await xmpp.ReadUntilAsync("read-before");

        await _h.AddAsync("""{"id":"cut","kind":"xmpp.disconnect","mode":"reset"}""");
        Assert.Equal(SocketError.ConnectionReset, await xmpp.HowItEndsAsync());
        await rest.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), "<Media><state>READY</state></Media>", "while-away");

        var drops = await DropsUntilAsync(2);
        Assert.Contains(drops, d => (d.RequestId, d.Reason, d.FaultId, d.Transport) == ("read-before", DropReasons.InFlight, "cut", "xmpp"));
        // Certainly lost either way: the closing session refused it (session-cut) or it had already left (no-session).
        Assert.Contains(drops, d => (d.RequestId, d.FaultId, d.FaultKind) == ("while-away", "cut", "xmpp.disconnect") && d.Reason is DropReasons.SessionCut or DropReasons.NoSession);

        using var again = await SignInAsync("1000");
        await rest.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>", "after");
        await again.ReadUntilAsync("after");
        Assert.DoesNotContain(_h.Engine.Drops(), d => d.RequestId == "after");
    }

    private async Task<IReadOnlyList<DroppedNotification>> DropsUntilAsync(int count)
    {
        for (var i = 0; i < 100 && _h.Engine.Drops().Count < count; i++)
        {
            await Task.Delay(20);
        }

        return _h.Engine.Drops();
    }

    [Fact]
    public async Task RefusedOrOutOfServiceSidesTurnNewConnectionsAwayAndFailoverCutsXmppSessions()
    {
        using var live = await SignInAsync("1000");
        await _h.AddAsync("""{"id":"no","kind":"xmpp.refuse","duration":"10s"}""");

        using (var refused = await RawClient.ConnectAsync(Port))
        {
            Assert.Contains("resource-constraint", await refused.ReadToEndAsync(), StringComparison.Ordinal);
        }

        Assert.False(live.Ended);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(10));
        using var accepted = await SignInAsync("1001");

        await _h.AddAsync("""{"kind":"failover","sessionGrace":"0s","duration":"5s"}""");

        await live.ReadToEndAsync();
        await accepted.ReadToEndAsync();
        using (var down = await RawClient.ConnectAsync(Port))
        {
            Assert.Contains("resource-constraint", await down.ReadToEndAsync(), StringComparison.Ordinal);
        }

        await _h.AdvanceAsync(TimeSpan.FromSeconds(5));
        using var back = await SignInAsync("1002");
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.XmppRefuse));
    }

    private int Port => _h.Factory.Services.GetRequiredService<XmppServer>().TcpEndPoint!.Port;

    private async Task<RawClient> SignInAsync(string user)
    {
        var domain = _h.Factory.Services.GetRequiredService<XmppServer>().Domain;
        var client = await RawClient.ConnectAsync(Port);
        var open = $"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}' version='1.0'>";
        await client.SendAsync(open);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0password"))}</auth>");
        Assert.Contains("<success", await client.ReadUntilAsync("<success"), StringComparison.Ordinal);
        await client.SendAsync(open);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>chaos</resource></bind></iq>");
        await client.ReadUntilAsync("</iq>");
        return client;
    }

    private sealed class RawClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StringBuilder _received = new();

        private RawClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public bool Ended { get; private set; }

        public static async Task<RawClient> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            return new RawClient(tcp);
        }

        public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

        public async Task<string> ReadUntilAsync(string marker)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var buffer = new byte[8192];
            while (!_received.ToString().Contains(marker, StringComparison.Ordinal))
            {
                var n = await _stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    throw new IOException($"connection ended before '{marker}': {_received}");
                }

                _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            var text = _received.ToString();
            var end = text.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
            _received.Remove(0, end);
            return text[..end];
        }

        /// <summary>Everything until the server ends the connection (EOF or reset).</summary>
        public async Task<string> ReadToEndAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var buffer = new byte[8192];
            try
            {
                int n;
                while ((n = await _stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    _received.Append(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
            catch (IOException)
            {
                // A reset.
            }

            Ended = true;
            return _received.ToString();
        }

        /// <summary>Reads until the connection ends: <see cref="SocketError.Success"/> for a FIN (0-byte read), else the socket error (an RST gives ConnectionReset).</summary>
        public async Task<SocketError> HowItEndsAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var buffer = new byte[8192];
            try
            {
                while (await _tcp.Client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }

                return SocketError.Success;
            }
            catch (SocketException ex)
            {
                return ex.SocketErrorCode;
            }
        }

        public void Dispose() => _tcp.Dispose();
    }
}
