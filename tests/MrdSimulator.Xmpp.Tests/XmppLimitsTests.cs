using System.Diagnostics;
using System.Net;
using System.Text;

namespace MrdSimulator.Xmpp.Tests;

/// <summary>Flow control and bounds: slow consumers, connection cap, lockout shared with REST, timeouts.</summary>
public sealed class XmppLimitsTests
{
    [Fact]
    public async Task SlowConsumerIsClosedWhenItsQueueFillsWhileOtherSessionsKeepReceivingEverything()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:QueueCapacity", "64"));
        await using var fast = await RawXmppClient.SignInAsync(host, "1020", "fast");
        await using var other = await RawXmppClient.SignInAsync(host, "1021", "other");

        // The slow client binds, then never reads: its socket buffers fill, then its 64-item queue.
        await using var slow = await RawXmppClient.SignInAsync(host, "1020", "slow", receiveBuffer: 4096);
        await host.SignInAsync("1020", "s0");
        await host.SignInAsync("1021", "o0");

        var sent = 1;
        var received = 0;
        using var stop = new CancellationTokenSource();
        var fastReader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (_, update) = await fast.ReadEventAsync(TimeSpan.FromMilliseconds(300));
                    Assert.Contains($"<requestId>s{received}</requestId>", update, StringComparison.Ordinal);
                    Interlocked.Increment(ref received);
                }
                catch (TimeoutException)
                {
                    // Nothing right now; look again until stopped.
                }
            }
        });
        var watch = Stopwatch.StartNew();
        while (host.Xmpp.SlowConsumerClosures == 0 && watch.Elapsed < TimeSpan.FromSeconds(8))
        {
            using var response = await host.PutMediaAsync("1020", sent % 2 == 1 ? SimulatorHost.ReadyBody : SimulatorHost.NotReadyBody, $"s{sent}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Interlocked.Increment(ref sent);
        }

        Assert.True(host.Xmpp.SlowConsumerClosures == 1, $"slow consumer not closed after {sent} events");
        Console.WriteLine($"slow consumer closed after {sent} events");

        // Publishing went on at full speed and the other sessions got every event.
        for (var i = 0; i < 20; i++, Interlocked.Increment(ref sent))
        {
            using var response = await host.PutMediaAsync("1020", sent % 2 == 1 ? SimulatorHost.ReadyBody : SimulatorHost.NotReadyBody, $"s{sent}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await WaitUntilAsync(() => Volatile.Read(ref received) >= sent || fastReader.IsCompleted, TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await fastReader;
        Assert.Equal(sent, received);
        using (await host.PutMediaAsync("1021", SimulatorHost.ReadyBody, "o1"))
        {
        }

        Assert.Contains("<requestId>o0</requestId>", (await other.ReadEventAsync()).Update, StringComparison.Ordinal);
        var (_, update) = await other.ReadEventAsync();
        Assert.Contains("<requestId>o1</requestId>", update, StringComparison.Ordinal);

        await WaitUntilAsync(() => host.Xmpp.BoundJids("1020").Count == 1);
        Assert.Equal([$"1020@{host.Domain}/fast"], host.Xmpp.BoundJids("1020"));
        var tail = await slow.ReadToEndAsync(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("<requestId>s" + (sent - 1) + "</requestId>", tail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionsBeyondTheCapAreRefusedWithResourceConstraint()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:MaxConnections", "2"));
        await using var first = await RawXmppClient.SignInAsync(host, "1022", "a");
        await using var second = await RawXmppClient.SignInAsync(host, "1022", "b");
        await using var third = await RawXmppClient.ConnectAsync(host.XmppPort);
        var refused = await third.ReadToEndAsync();
        Assert.Contains("<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", refused, StringComparison.Ordinal);
        Assert.Equal(1, host.Xmpp.RejectedConnections);

        // A place frees when a session leaves.
        await first.SendAsync("</stream:stream>");
        await first.ReadToEndAsync();
        await WaitUntilAsync(() => host.Xmpp.ConnectionCount == 1);
        await using var fourth = await RawXmppClient.SignInAsync(host, "1022", "c");
        Assert.Equal(2, host.Xmpp.ConnectionCount);
    }

    [Fact]
    public async Task AWebSocketBeyondTheCapGetsResourceConstraintThenACloseFrameAndAnOrderlyClose()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:MaxConnections", "1"));
        await using var first = await RawXmppClient.SignInAsync(host, "1026", "a");
        await using var refused = await RawWebSocket.ConnectAsync(host.BaseAddress);

        var end = await refused.ReadToEndAsync();

        Assert.Equal([RawWebSocket.TextFrame, RawWebSocket.TextFrame, RawWebSocket.TextFrame, RawWebSocket.CloseFrame], refused.Frames.Select(f => f.Opcode));
        Assert.Contains("<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", refused.Frames[1].Text, StringComparison.Ordinal);
        Assert.Equal("fin", end);
    }

    [Fact]
    public async Task AUsersSessionsBeyondTheCapCountingSseStreamsAreRefusedWithResourceConstraintAndPolicyViolation()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:MaxSessionsPerUser", "2"));
        var first = await RawXmppClient.SignInAsync(host, "1027", "a");
        using var sse = new HttpRequestMessage(HttpMethod.Get, "/notifications");
        sse.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("1027:password"u8.ToArray()));
        using var stream = await host.Http.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);

        await using var refused = await RawXmppClient.SignInAsync(host, "1027", "b");
        var rest = await refused.ReadToEndAsync();

        Assert.Contains("<error type=\"wait\"><resource-constraint xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\" /></error>", refused.BindAnswer, StringComparison.Ordinal);
        Assert.Contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
        Assert.Contains("user 1027 holds 2 notification sessions", rest, StringComparison.Ordinal);
        Assert.Equal([$"1027@{host.Domain}/a"], host.Xmpp.BoundJids("1027"));

        // A place frees when a session leaves.
        await first.SendAsync("</stream:stream>");
        await first.ReadToEndAsync();
        await first.DisposeAsync();
        await WaitUntilAsync(() => host.Xmpp.BoundJids("1027").Count == 0);
        await using var again = await RawXmppClient.SignInAsync(host, "1027", "c");
        Assert.Equal([$"1027@{host.Domain}/c"], host.Xmpp.BoundJids("1027"));
    }

    [Fact]
    public async Task FailedSaslAttemptsLockTheUserOutOfRestAndFailedRestAttemptsLockXmpp()
    {
        await using var host = SimulatorHost.StartKestrel();

        // Five wrong SASL passwords (two connections: a stream allows three attempts) lock 1023 out of REST.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Assert.Contains("<not-authorized/>", await TryPlainAsync(host, "1023", "wrong"), StringComparison.Ordinal);
        }

        using (var rest = await host.PutMediaAsync("1023", SimulatorHost.SignInBody, "x"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
            Assert.Contains("locked", await rest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("<account-disabled/>", await TryPlainAsync(host, "1023", "password"), StringComparison.Ordinal);

        // Five wrong REST passwords lock 1024 out of XMPP, with PLAIN and with SCRAM.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var rest = await host.PutMediaAsync("1024", SimulatorHost.SignInBody, "x", password: "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
        }

        Assert.Contains("<account-disabled/>", await TryPlainAsync(host, "1024", "password"), StringComparison.Ordinal);
        await using var client = await RawXmppClient.ConnectAsync(host.XmppPort);
        await client.OpenAsync(host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        var first = Convert.ToBase64String(Encoding.UTF8.GetBytes("n,,n=1024,r=abcdefghijklmnop"));
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>{first}</auth>");
        Assert.Contains("<account-disabled/>", await client.ReadUntilAsync("</failure>"), StringComparison.Ordinal);
    }

    private static async Task<string> TryPlainAsync(SimulatorHost host, string user, string password)
    {
        await using var client = await RawXmppClient.ConnectAsync(host.XmppPort);
        await client.OpenAsync(host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>");
        return await client.ReadUntilAnyAsync("</failure>", "<success");
    }

    [Fact]
    public async Task AStreamThatDoesNotAuthenticateInTimeIsClosedWithPolicyViolation()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:AuthTimeout", "00:00:01"));
        await using var client = await RawXmppClient.ConnectAsync(host.XmppPort);
        await client.OpenAsync(host.Domain);
        var rest = await client.ReadToEndAsync(TimeSpan.FromSeconds(6));
        Assert.Contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
        Assert.Contains("authentication took too long", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQuietSessionIsPingedAndClosedWhenItStaysSilent()
    {
        await using var host = SimulatorHost.StartKestrel(("Simulator:Xmpp:PingInterval", "00:00:01"), ("Simulator:Xmpp:IdleTimeout", "00:00:03"));
        await using var client = await RawXmppClient.SignInAsync(host, "1025", "quiet");
        var ping = await client.ReadUntilAsync("</iq>", TimeSpan.FromSeconds(5));
        Assert.Contains("<ping xmlns=\"urn:xmpp:ping\" />", ping, StringComparison.Ordinal);
        var rest = await client.ReadToEndAsync(TimeSpan.FromSeconds(8));
        Assert.Contains("<connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(5)), "condition not met in time");
            await Task.Delay(20);
        }
    }
}
