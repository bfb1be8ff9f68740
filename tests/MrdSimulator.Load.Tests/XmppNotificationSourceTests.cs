using System.Collections.Concurrent;
using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MrdSimulator.Load.Cli;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Finesse.Xmpp;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

/// <summary>The real simulator in process (the XMPP tests' host), with a known admin token for the chaos API.</summary>
internal static class RealSimulator
{
    public const string AdminToken = "load-tests-admin-token-0123456789";

    public static SimulatorHost Start(params (string Key, string Value)[] settings) =>
        SimulatorHost.StartKestrel([("Chaos:AdminToken", AdminToken), ("Logging:LogLevel:Default", "Warning"), .. settings]);

    /// <summary>POST /admin/faults (chaos API, docs/chaos.md); asserts 201.</summary>
    public static async Task AddFaultsAsync(this SimulatorHost host, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/faults") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await host.Http.SendAsync(request);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A Media PUT with a requestId that must be accepted (202).</summary>
    public static async Task AcceptAsync(this SimulatorHost host, string user, int mrd, string body, string requestId)
    {
        using var response = await host.PutMediaAsync(user, body, requestId, mrd);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{body} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

/// <summary>Collects what a notification source delivers.</summary>
internal sealed class RecordingSink : INotificationSink
{
    public ConcurrentQueue<FinesseUpdate> Updates { get; } = new();

    public ConcurrentQueue<string> TransportEvents { get; } = new();

    public void OnNotification(FinesseUpdate update, long receivedTicks) => Updates.Enqueue(update);

    public void OnTransportEvent(string userId, string message) => TransportEvents.Enqueue($"{userId}: {message}");

    public async Task WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (Updates.Count < count)
        {
            Assert.True(DateTime.UtcNow < until, $"{Updates.Count} of {count} notifications after the timeout; transport: {string.Join(" | ", TransportEvents)}");
            await Task.Delay(10);
        }
    }
}

/// <summary>The XMPP notification source against the real simulator's XMPP server (TCP, SASL PLAIN, bind, pubsub events).</summary>
public sealed class XmppNotificationSourceTests(MrdSimulator.Xmpp.Tests.SharedHostFixture fixture) : IClassFixture<MrdSimulator.Xmpp.Tests.SharedHostFixture>
{
    private SimulatorHost Sim => fixture.Host;

    private static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static RunSpec Shift(SimulatorHost sim, string notifications, string agents, int copies, string duration) => new()
    {
        BaseUrl = sim.BaseAddress.ToString(),
        Notifications = notifications,
        XmppPort = sim.XmppPort,
        NotificationTimeout = TimeSpan.FromSeconds(1),
        Scenarios = [new ScenarioSpec { Name = "shift", Type = "agent-shift", Agents = agents, Mrds = [5000, 5001, 5002], Cycles = 2 }],
        Load = LoadSimulationParser.ParseList($"keep-constant {copies} {duration}"),
        ReportFormats = [],
        DrainTimeout = TimeSpan.FromSeconds(5),
        MaxFailCount = 0,
    };

    private static StepSummary Step(RunResult r, string name) => Assert.Single(r.Steps, s => s.Step == name);

    [Fact]
    public async Task AgentShiftOverXmppMatchesEveryRequestWithItsNotificationAsOverSse()
    {
        foreach (var transport in new[] { "xmpp", "sse" })
        {
            await using var built = RunBuilder.Build(Shift(Sim, transport, "1000-1007", 8, "2500ms"));
            var result = await new LoadEngine(built.Options, null, built.Hooks).RunAsync(built.Groups);

            var n = result.Notifications;
            Assert.Null(result.AbortReason);
            Assert.True((0L, 0L, 0L, 0L, 0L, 0L) == (n.Lost, n.Duplicated, n.OutOfOrder, n.Contradicting, n.Unexpected, n.Late), $"{transport}: {n}");
            Assert.Equal(n.Expected, n.Received);
            Assert.True(n.Received > 200, $"{transport}: only {n.Received} notifications");

            // The same accounting whatever the transport: every accepted request has its notification, READY-again none.
            foreach (var step in new[] { "sign-in", "ready", "not-ready", "sign-out" })
            {
                Assert.True(Step(result, step).Ok == Step(result, step + ".notified").Ok, $"{transport}/{step}: {Step(result, step).Ok} accepted, {Step(result, step + ".notified").Ok} notified");
                Assert.Equal(0, Step(result, step + ".notified").Fail);
            }

            Assert.Equal(Step(result, "ready-again").Ok, n.ExpectedSilent);
            Assert.Equal(n.Received, new[] { "reset", "sign-in", "ready", "not-ready", "sign-out" }.Sum(s => Step(result, s + ".notified").Ok));
            if (transport == "xmpp")
            {
                var source = Assert.IsType<XmppNotificationSource>(built.Target!.Notifications);
                Assert.Equal(8, source.BoundSessions);
                Assert.Equal(0, source.Reconnects);
                Assert.Equal(n.Received, source.Events);
            }
        }
    }

    [Fact]
    public async Task XmppAndSseDeliverTheSameUpdatesInTheSameOrder()
    {
        var sseSink = new RecordingSink();
        var xmppSink = new RecordingSink();
        await using var sse = new SseNotificationSource(Sim.BaseAddress, sseSink);
        await using var xmpp = new XmppNotificationSource(Sim.BaseAddress, xmppSink, new XmppSourceOptions { Port = Sim.XmppPort });
        await sse.SubscribeAsync("1020", "password", CancellationToken.None);
        await xmpp.SubscribeAsync("1020", "password", CancellationToken.None);

        var bodies = new[]
        {
            "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>",
            "<Media><state>READY</state></Media>",
            "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>",
            "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>",
            "<Media><state>READY</state></Media>", // not signed in: an asynchronous apiErrors Update
        };
        var sent = 0;
        foreach (var mrd in new[] { 5000, 5001, 5002 })
        {
            foreach (var body in bodies)
            {
                // One at a time, so that the order of the Updates is the order of the requests.
                await Sim.AcceptAsync("1020", mrd, body, $"cmp-{++sent}");
                await sseSink.WaitForAsync(sent);
                await xmppSink.WaitForAsync(sent);
            }
        }

        Assert.Equal(sseSink.Updates.ToArray(), xmppSink.Updates.ToArray());
        Assert.Equal(Enumerable.Range(1, sent).Select(i => $"cmp-{i}"), xmppSink.Updates.Select(u => u.RequestId));
        Assert.Equal(3, xmppSink.Updates.Count(u => u.ErrorMessage == "E_ARM_STAT_AGENT_NOT_LOGGED_IN"));
        Assert.Contains(xmppSink.Updates, u => u is { State: "NOT_READY", ReasonCodeId: "1001", Source: "/finesse/api/User/1020/Media/5001" });
        Assert.Empty(xmppSink.TransportEvents);
    }

    [Fact]
    public async Task SseSourceReadsAnOfferWhoseTrackingVariableHoldsLineBreaksSseFieldsAndLeadingSpacesExactly()
    {
        // Its own simulator: the task goes to whichever agent is READY.
        await using var sim = RealSimulator.Start();
        const string key = "k\n\nevent: overflow\nid: 42\ndata: forged\n\n  indented\r\n";
        var sink = new RecordingSink();
        await using var sse = new SseNotificationSource(sim.BaseAddress, sink);
        await sse.SubscribeAsync("1070", "password", CancellationToken.None);
        await sim.AcceptAsync("1070", 5000, "<Media><maxDialogLimit>1</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "sse-1");
        await sim.AcceptAsync("1070", 5000, "<Media><state>READY</state></Media>", "sse-2");

        var escaped = System.Security.SecurityElement.Escape(key).Replace("\r", "&#13;", StringComparison.Ordinal);
        using var task = await sim.Http.PostAsync("/ccp/task/feed/100", new StringContent(
            $"<Task><name>Jane</name><title>t</title><scriptSelector>Chat_SS</scriptSelector><variables><variable><name>user_{DialogInfo.TrackingVariable}</name><value>{escaped}</value></variable></variables></Task>",
            Encoding.UTF8, "application/xml"));
        Assert.Equal(System.Net.HttpStatusCode.Created, task.StatusCode);

        await WaitUntilAsync(() => sink.Updates.Any(u => u.Dialog is not null) || !sink.TransportEvents.IsEmpty, "the offer");
        Assert.Empty(sink.TransportEvents);
        Assert.Equal(key, Assert.Single(sink.Updates, u => u.Dialog is not null).Dialog!.TaskKey);
    }

    [Fact]
    public async Task ServerClosingEveryXmppSessionMidRunMakesTheSourceReconnectAndTheRunFinish()
    {
        // Its own simulator: the faults reach every session of the server.
        await using var sim = RealSimulator.Start();
        await using var built = RunBuilder.Build(Shift(sim, "xmpp", "1030-1039", 10, "8s"));
        var run = new LoadEngine(built.Options, null, built.Hooks).RunAsync(built.Groups);
        var source = Assert.IsType<XmppNotificationSource>(built.Target!.Notifications);

        await WaitUntilAsync(() => source.BoundSessions == 10, "10 sessions bound");
        await Task.Delay(500);
        // Stream error (system-shutdown) on every session, and new sessions refused for a second.
        await sim.AddFaultsAsync("""[{"kind":"xmpp.disconnect"},{"kind":"xmpp.refuse","duration":"1s"}]""");
        await Task.Delay(1800);
        await WaitUntilAsync(() => source.BoundSessions == 10, "10 sessions back after the refusal window");
        // Then every connection reset without a word (a TCP RST: no stream error, no closing tag).
        await sim.AddFaultsAsync("""[{"kind":"xmpp.disconnect","mode":"reset"}]""");
        await WaitUntilAsync(() => source.BoundSessions == 10 && source.Reconnects >= 20, "10 sessions back after the reset");
        var eventsAfterFaults = source.Events;

        var result = await run;
        Assert.Null(result.AbortReason);
        var transport = string.Join("\n", built.Target.Correlator.TransportEvents);
        Assert.Contains("system-shutdown", transport, StringComparison.Ordinal);
        Assert.Contains("xmpp reconnect failed", transport, StringComparison.Ordinal);
        Assert.Contains("resource-constraint", transport, StringComparison.Ordinal);
        Assert.Contains("connection reset by the server (TCP RST)", transport, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", transport, StringComparison.Ordinal);

        // Notifications flow again after the faults, and none arrives twice or out of order.
        Assert.True(source.Events - eventsAfterFaults > 100, $"{source.Events - eventsAfterFaults} notifications after the faults");
        var n = result.Notifications;
        Assert.Equal((0L, 0L), (n.Duplicated, n.OutOfOrder));
        Assert.True(n.Lost < n.Received / 10, $"lost {n.Lost} of {n.Expected}");
    }

    [Fact]
    public async Task WrongXmppPortStopsTheRunAtInitWithAClearMessageAndExitCode3()
    {
        var port = TestServers.FreePort();
        var (code, output, error) = await CliAsync(
            "run", "--builtin", "agent-shift", "-u", Sim.BaseAddress.ToString(), "--agents", "1040-1041", "--notifications", "xmpp", "--xmpp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--copies", "2", "-d", "5s", "--report-formats", "none", "--plain");
        Assert.Equal(ExitCodes.Aborted, code);
        Assert.Contains($"init of scenario 'agent-shift' failed", error, StringComparison.Ordinal);
        Assert.Contains($"cannot connect to the XMPP server 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("refused", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPasswordOverXmppStopsTheRunAtInitWithTheReason()
    {
        var port = Sim.XmppPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] common = ["run", "--builtin", "agent-shift", "-u", Sim.BaseAddress.ToString(), "--agents", "1045-1046", "--notifications", "xmpp", "--xmpp-port", port,
                           "--password", "not-the-password", "--copies", "2", "-d", "5s", "--report-formats", "none", "--plain"];

        // The XMPP domain is read from SystemInfo with the agent's credentials first...
        var (code, output, error) = await CliAsync(common);
        Assert.Equal(ExitCodes.Aborted, code);
        Assert.Contains("/finesse/api/SystemInfo as user 1045 answered 401 Unauthorized (check --password", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);

        // ...and with the domain given, SASL itself refuses.
        (code, output, error) = await CliAsync([.. common, "--xmpp-domain", "finesse.mrdsim.local"]);
        Assert.Equal(ExitCodes.Aborted, code);
        Assert.Contains("XMPP sign-in of user 1045 refused", error, StringComparison.Ordinal);
        Assert.Contains("not-authorized", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequiringTlsFromAServerWithoutAnyFailsWithTheReason()
    {
        await using var source = new XmppNotificationSource(Sim.BaseAddress, new RecordingSink(), new XmppSourceOptions { Port = Sim.XmppPort, Tls = XmppTlsMode.Required });
        var ex = await Assert.ThrowsAsync<NotificationConnectException>(() => source.SubscribeAsync("1047", "password", CancellationToken.None));
        Assert.Contains("does not offer STARTTLS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQuietSessionStaysOpenBecauseTheSourceAnswersTheServersPings()
    {
        // The server pings after 1 s of silence and drops the session after 3 s; the source sends no keepalives.
        await using var sim = RealSimulator.Start(("Simulator:Xmpp:PingInterval", "00:00:01"), ("Simulator:Xmpp:IdleTimeout", "00:00:03"));
        var sink = new RecordingSink();
        await using var source = new XmppNotificationSource(sim.BaseAddress, sink, new XmppSourceOptions { Port = sim.XmppPort, Keepalive = TimeSpan.Zero });
        await source.SubscribeAsync("1050", "password", CancellationToken.None);

        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(sink.TransportEvents);
        Assert.Equal((1, 0L), (source.BoundSessions, source.Reconnects));
        Assert.Equal(1, sim.Xmpp.ConnectionCount);

        await sim.AcceptAsync("1050", 5000, "<Media><maxDialogLimit>1</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "quiet-1");
        await sink.WaitForAsync(1);
        Assert.Equal("quiet-1", Assert.Single(sink.Updates).RequestId);
    }

    [Fact]
    public async Task StartTlsIsUsedWhenOfferedAndTheDevelopmentCertificateIsAcceptedOnlyWhenAsked()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"mrdload-xmpp-{Guid.NewGuid():N}.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=finesse.mrdsim.local", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        }

        try
        {
            await using var sim = RealSimulator.Start(("Simulator:Xmpp:CertificateFile", pfx), ("Simulator:Xmpp:CertificatePassword", "pfx-password"));
            await using (var strict = new XmppNotificationSource(sim.BaseAddress, new RecordingSink(), new XmppSourceOptions { Port = sim.XmppPort }))
            {
                var ex = await Assert.ThrowsAsync<NotificationConnectException>(() => strict.SubscribeAsync("1060", "password", CancellationToken.None));
                Assert.Contains("TLS with the XMPP server", ex.Message, StringComparison.Ordinal);
                Assert.Contains("--xmpp-accept-any-certificate", ex.Message, StringComparison.Ordinal);
            }

            var sink = new RecordingSink();
            await using var trusting = new XmppNotificationSource(sim.BaseAddress, sink, new XmppSourceOptions { Port = sim.XmppPort, Tls = XmppTlsMode.Required, AcceptAnyCertificate = true });
            await trusting.SubscribeAsync("1060", "password", CancellationToken.None);
            await sim.AcceptAsync("1060", 5000, "<Media><maxDialogLimit>1</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "tls-1");
            await sink.WaitForAsync(1);
            Assert.Equal("NOT_READY", Assert.Single(sink.Updates).State);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
