using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;

namespace MrdSimulator.Xmpp.Tests;

/// <summary>
/// Characters XML 1.0 cannot carry are refused where they come in, and nothing the simulator writes — REST bodies,
/// server-sent events, XMPP over TCP, WebSocket and BOSH — is ever ill-formed. Python's expat, the parser slixmpp
/// uses, is the judge.
/// </summary>
public sealed class WellFormedOutputTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    /// <summary>Everything XML 1.0 can carry that a careless writer gets wrong, and SSE field syntax.</summary>
    private const string Tricky = "]]> <&>\"' \t\r\n\U0001F600 \uFFFD \u0085 \u2028 \uE000 x\n\nevent: overflow\ndata: y";

    private SimulatorHost Host => fixture.Host;

    [Fact]
    public async Task RequestsCarryingCharactersXmlCannotHoldAre400WithAnErrorBodyExpatAccepts()
    {
        using var http = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = Host.BaseAddress };
        const string media = "/finesse/api/User/1151/Media/5001";
        var finesse = new (string Name, HttpRequestMessage Request)[]
        {
            ("requestId with a control character", Put(media, "<Media><state>READY</state></Media>", ("requestId", "a\u0001b"))),
            ("requestId with a non-ASCII character", Put(media, "<Media><state>READY</state></Media>", ("requestId", "caf\u00e9"))),
            ("control character in the MRD id", Put("/finesse/api/User/1151/Media/50%0101", "<Media><state>READY</state></Media>")),
            ("control character in the user id", new HttpRequestMessage(HttpMethod.Get, "/finesse/api/User/11%0151/Media")),
            ("control character in the Content-Type", Put(media, "<Media><state>READY</state></Media>", ("Content-Type", "text/plain\u0001"))),
            ("character reference to U+0001 in the body", Put(media, "<Media><state>&#1;</state></Media>")),
            ("U+FFFE in the body", Put(media, "<Media><state>\uFFFE</state></Media>")),
        };
        var ccp = new (string Name, HttpRequestMessage Request)[]
        {
            ("control character in a query variable", new HttpRequestMessage(HttpMethod.Get, "/ccp/task/feed/100?name=Jane&title=t&scriptSelector=Chat_SS&variable_cv_1=x%01y")),
            ("U+FFFF in the query name", new HttpRequestMessage(HttpMethod.Get, "/ccp/task/feed/100?name=%EF%BF%BF&title=t&scriptSelector=Chat_SS")),
            ("control character in a contact id", new HttpRequestMessage(HttpMethod.Get, "/ccp/task/contact/a%01b")),
            ("character reference to U+0001 in a task body", Post("/ccp/task/feed/100", "<Task><name>a&#1;</name><title>t</title><scriptSelector>Chat_SS</scriptSelector></Task>")),
            ("U+FFFE in a task body", Post("/ccp/task/feed/100", "<Task><name>Jane</name><title>t\uFFFE</title><scriptSelector>Chat_SS</scriptSelector></Task>")),
        };

        var bodies = new List<Expat.Item>();
        foreach (var (name, request, root) in finesse.Select(f => (f.Name, f.Request, "ApiErrors")).Concat(ccp.Select(c => (c.Name, c.Request, "apiErrors"))))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("1151:password"u8.ToArray()));
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            Assert.False(response.Headers.Contains("requestId"), $"{name}: the requestId was echoed");
            Assert.Contains($"<{root}><", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
            bodies.Add(new Expat.Item(name, "document", body));
        }

        await Expat.AssertWellFormedAsync(bodies);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Get("/finesse/api/User/1151/Media/5001", Auth("1151")))).StatusCode);
    }

    [Fact]
    public async Task WhatATaskSubmitterWritesReachesRestSseTcpWebSocketAndBoshWellFormed()
    {
        const string user = "1150";
        using var sseHttp = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var sse = await sseHttp.SendAsync(Get("/notifications", Auth(user)), HttpCompletionOption.ResponseHeadersRead);
        var sseBytes = new MemoryStream();
        using var stopSse = new CancellationTokenSource();
        var sseCopy = (await sse.Content.ReadAsStreamAsync()).CopyToAsync(sseBytes, stopSse.Token);
        await using var tcp = await RawXmppClient.SignInAsync(Host, user, "tcp");
        tcp.StartTranscript();
        await using var ws = await RawWebSocket.SignInAsync(Host, user, "ws");
        var bosh = await RawBoshClient.SignInAsync(Host, user, "bosh");
        await Host.SignInAsync(user, "wf-1");
        Assert.Equal(HttpStatusCode.Accepted, (await Host.PutMediaAsync(user, SimulatorHost.ReadyBody, "wf-2")).StatusCode);

        // Refused at the door now; before, this task reached the agent with U+0001 in its call variable.
        using (await Host.Http.GetAsync("/ccp/task/feed/100?name=Jane&title=t&scriptSelector=Chat_SS&variable_cv_2=bad%01"))
        {
        }

        var escaped = new StringBuilder();
        MrdSimulator.Domain.Xml.XmlOut.Escape(escaped, Tricky);
        using (var submitted = await Host.Http.PostAsync("/ccp/task/feed/100", new StringContent(
            $"<Task><name>Jane</name><title>t</title><scriptSelector>Chat_SS</scriptSelector><variables><variable><name>cv_1</name><value>{escaped}</value></variable></variables></Task>",
            Encoding.UTF8, "application/xml")))
        {
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        }

        // The offer, over TCP, carries the value exactly.
        string offer;
        do
        {
            offer = (await tcp.ReadEventAsync()).Update;
        }
        while (!offer.Contains("callVariable1", StringComparison.Ordinal));
        Assert.Equal(Tricky, XElement.Parse(offer).Descendants("CallVariable").Single(v => v.Element("name")!.Value == "callVariable1").Element("value")!.Value);
        await ws.ReadTextUntilAsync("callVariable1");
        await Task.Delay(300);
        await bosh.SendAsync(string.Empty);
        var dialogs = await Host.Http.SendAsync(Get($"/finesse/api/User/{user}/Media/5000/Dialogs", Auth(user)));

        // A stanza the parser refuses: its error text used to quote the refused character.
        const string badStanza = "<message xmlns='jabber:client' to='x'><body>&#1;</body></message>";
        await tcp.SendAsync(badStanza);
        var tcpTail = await tcp.ReadToEndAsync();
        await ws.SendTextAsync(badStanza);
        await ws.ReadToEndAsync();
        await bosh.SendAsync(badStanza);
        await stopSse.CancelAsync();
        await sseCopy.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.Contains("not-well-formed", tcpTail, StringComparison.Ordinal);
        Assert.Contains(ws.Frames, f => f.Text.Contains("not-well-formed", StringComparison.Ordinal));
        Assert.Contains("type=\"terminate\"", Encoding.UTF8.GetString(bosh.Bodies[^1]), StringComparison.Ordinal);
        await Expat.AssertWellFormedAsync(
        [
            new Expat.Item("REST Dialogs", "document", await dialogs.Content.ReadAsByteArrayAsync()),
            new Expat.Item("SSE", "sse", sseBytes.ToArray()),
            new Expat.Item("XMPP over TCP", "stanzas", tcp.Transcript),
            .. ws.Frames.Where(f => f.Opcode == RawWebSocket.TextFrame).Select((f, i) => new Expat.Item($"WebSocket message {i}", "document", f.Payload)),
            .. bosh.Bodies.Select((b, i) => new Expat.Item($"BOSH body {i}", "document", b)),
        ]);
    }

    private static HttpRequestMessage Put(string path, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/xml");
        foreach (var (name, value) in headers)
        {
            if (name == "Content-Type")
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    private static HttpRequestMessage Post(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/xml") };

    private static HttpRequestMessage Get(string path, AuthenticationHeaderValue auth)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = auth;
        return request;
    }

    private static AuthenticationHeaderValue Auth(string user) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:password")));
}
