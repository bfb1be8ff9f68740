using System.Text;
using MrdSimulator.Load.Config;
using MrdSimulator.Load.Finesse.Xmpp;

namespace MrdSimulator.Load.Tests;

/// <summary>The XMPP client's byte-level framing and in-place event reading (no server needed).</summary>
public sealed class XmppWireTests
{
    private const string Update = "<Update><data><Media><state>READY</state><reasonCodeId>-1</reasonCodeId></Media></data><event>PUT</event>" +
                                  "<requestId>r-1</requestId><source>/finesse/api/User/1000/Media/5000</source></Update>";

    private static string Escaped(string xml) => xml.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>What the simulator writes: header, features, events, a ping, whitespace keepalives, the close.</summary>
    private static readonly string ServerStream =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='ab' from='finesse.mrdsim.local' version='1.0'>" +
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>" +
        Event("a") + " \n " + Event("b\u00e9\u4e2d") +
        "<iq type='get' id='ping-1' from='finesse.mrdsim.local'><ping xmlns='urn:xmpp:ping'/></iq>" +
        "<message><body><![CDATA[ <not> a stanza end </message> ]]></body></message>" +
        Event("c") + "</stream:stream>";

    private static string Event(string requestId) =>
        "<message xmlns='jabber:client' from='pubsub.finesse.mrdsim.local' to='1000@finesse.mrdsim.local/x' id='e1'>" +
        "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='/finesse/api/User/1000/Media'><item id='u'>" +
        "<notification xmlns='http://jabber.org/protocol/pubsub'>" + Escaped(Update.Replace("r-1", requestId, StringComparison.Ordinal)) + "</notification>" +
        "</item></items></event></message>";

    private sealed class Updates : IUpdateTarget
    {
        public List<string> Xml { get; } = [];

        public void OnUpdate(string xml) => Xml.Add(xml);
    }

    /// <summary>Feeds <paramref name="bytes"/> in chunks the way a read loop does; returns the items found.</summary>
    private static List<(FrameKind Kind, string Text)> Frame(byte[] bytes, Func<int, int> chunk)
    {
        var items = new List<(FrameKind, string)>();
        var buffer = new List<byte>();
        var open = false;
        var at = 0;
        while (at < bytes.Length)
        {
            var n = Math.Min(chunk(at), bytes.Length - at);
            buffer.AddRange(bytes.AsSpan(at, n).ToArray());
            at += n;
            while (true)
            {
                var kind = XmppFramer.Next(buffer.ToArray(), open, 65536, out var start, out var consumed);
                if (kind == FrameKind.NeedMore)
                {
                    buffer.RemoveRange(0, consumed);
                    break;
                }

                items.Add((kind, Encoding.UTF8.GetString(buffer.ToArray(), start, consumed - start)));
                buffer.RemoveRange(0, consumed);
                open |= kind == FrameKind.StreamOpen;
            }
        }

        Assert.Empty(buffer);
        return items;
    }

    [Fact]
    public void FramerFindsTheSameItemsWhateverTheReadBoundaries()
    {
        var bytes = Encoding.UTF8.GetBytes(ServerStream);
        var whole = Frame(bytes, _ => bytes.Length);
        Assert.Equal(
            [FrameKind.StreamOpen, FrameKind.Element, FrameKind.Element, FrameKind.Element, FrameKind.Element, FrameKind.Element, FrameKind.Element, FrameKind.StreamClose],
            whole.Select(i => i.Kind));
        Assert.StartsWith("<stream:stream", whole[0].Text, StringComparison.Ordinal);
        Assert.EndsWith("</message>", whole[5].Text, StringComparison.Ordinal);
        Assert.Contains("CDATA", whole[5].Text, StringComparison.Ordinal);

        for (var split = 1; split < bytes.Length; split++)
        {
            var s = split;
            Assert.Equal(whole, Frame(bytes, at => at == 0 ? s : bytes.Length));
        }

        var random = new Random(7);
        for (var round = 0; round < 50; round++)
        {
            Assert.Equal(whole, Frame(bytes, _ => random.Next(1, 12)));
        }
    }

    [Fact]
    public void AnEventMessageYieldsTheDecodedUpdate()
    {
        // The Update's own escapes are escaped once more in the notification text.
        var updates = new Updates();
        Assert.Equal(StanzaKind.Message, XmppEvents.Read(Encoding.UTF8.GetBytes(Event("r-\u00e9&amp;&lt;x&gt;")), updates));
        var expected = Update.Replace("r-1", "r-\u00e9&amp;&lt;x&gt;", StringComparison.Ordinal);
        Assert.Equal(expected, Assert.Single(updates.Xml));
        Assert.Equal("r-\u00e9&<x>", Finesse.FinesseUpdate.Parse(Assert.Single(updates.Xml))!.RequestId);
    }

    [Theory]
    [InlineData("prefixes", "<message xmlns='jabber:client'><e:event xmlns:e='http://jabber.org/protocol/pubsub#event'><e:items node='n'><e:item id='1'><p:notification xmlns:p='http://jabber.org/protocol/pubsub'>{0}</p:notification></e:item></e:items></e:event></message>")]
    [InlineData("cdata", "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'><![CDATA[{1}]]></notification></item></items></event></message>")]
    [InlineData("embedded", "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'>{1}</notification></item></items></event></message>")]
    [InlineData("two items", "<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'>{0}</notification></item><item><notification xmlns='http://jabber.org/protocol/pubsub'>&#60;Update&#x3E;&lt;/Update&gt;</notification></item></items></event></message>")]
    public void EventsAreReadWhateverThePrefixesOrTheFormOfTheUpdate(string form, string template)
    {
        var updates = new Updates();
        XmppEvents.Read(Encoding.UTF8.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Escaped(Update), Update)), updates);
        Assert.Equal(Update, updates.Xml[0]);
        Assert.Equal(form == "two items" ? ["<Update></Update>"] : Array.Empty<string>(), updates.Xml.Skip(1));
    }

    [Theory]
    [InlineData("<message><event xmlns='urn:other'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'>x</notification></item></items></event></message>")]
    [InlineData("<message><body>&lt;Update/&gt;</body></message>")]
    [InlineData("<message xmlns='urn:not-client'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'>x</notification></item></items></event></message>")]
    public void MessagesThatAreNotPubSubEventsYieldNothing(string stanza)
    {
        var updates = new Updates();
        XmppEvents.Read(Encoding.UTF8.GetBytes(stanza), updates);
        Assert.Empty(updates.Xml);
    }

    [Theory]
    [InlineData("<message><!-- c --></message>")]
    [InlineData("<message><?pi x?></message>")]
    [InlineData("<!DOCTYPE x [<!ENTITY a 'b'>]><message/>")]
    [InlineData("<message><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='n'><item><notification xmlns='http://jabber.org/protocol/pubsub'>&a;</notification></item></items></event></message>")]
    [InlineData("<message><event xmlns='http://jabber.org/protocol/pubsub#event'></items></message>")]
    public void ForbiddenOrMalformedXmlIsRefused(string stanza)
    {
        var bytes = Encoding.UTF8.GetBytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + stanza);
        Assert.Throws<XmppProtocolException>(() =>
        {
            var open = XmppFramer.Next(bytes, false, 65536, out _, out var consumed);
            Assert.Equal(FrameKind.StreamOpen, open);
            var rest = bytes.AsSpan(consumed);
            if (XmppFramer.Next(rest, true, 65536, out var start, out var end) == FrameKind.Element)
            {
                XmppEvents.Read(rest[start..end], new Updates());
            }
        });
    }

    [Fact]
    public void AStanzaLargerThanTheLimitIsRefusedBeforeItIsComplete()
    {
        var bytes = Encoding.UTF8.GetBytes("<message><body>" + new string('x', 5000));
        Assert.Equal(FrameKind.NeedMore, XmppFramer.Next(bytes, true, 8192, out _, out _));
        Assert.Throws<XmppProtocolException>(() => XmppFramer.Next(bytes, true, 4096, out _, out _));
    }
}

/// <summary>The XMPP options of the command line and the scenario file.</summary>
public sealed class XmppOptionsTests
{
    private const string File = """
        target:
          baseUrl: http://127.0.0.1:5080
          notifications: xmpp
          xmppHost: sim.example
          xmppPort: 5299
          xmppDomain: finesse.example
          xmppTls: required
          xmppAcceptAnyCertificate: true
        load: [keep-constant 2 5s]
        scenarios:
          - name: shift
            type: agent-shift
        """;

    [Fact]
    public void ScenarioFileReadsTheXmppTargetFields()
    {
        var spec = ScenarioFileLoader.Parse(File, "xmpp.yaml");
        Assert.Equal(("xmpp", "sim.example", 5299, "finesse.example", "required", true),
            (spec.Notifications, spec.XmppHost, spec.XmppPort, spec.XmppDomain, spec.XmppTls, spec.XmppAcceptAnyCertificate));
        var defaults = ScenarioFileLoader.Parse(File.Split('\n').Where(l => !l.Contains("xmpp", StringComparison.OrdinalIgnoreCase)).Aggregate((a, b) => a + "\n" + b), "d.yaml");
        Assert.Equal(("sse", null, 5222, null, "auto", false),
            (defaults.Notifications, defaults.XmppHost, defaults.XmppPort, defaults.XmppDomain, defaults.XmppTls, defaults.XmppAcceptAnyCertificate));
    }

    [Theory]
    [InlineData("xmppPort: 5299", "xmppPort: 70000", 5, "target.xmppPort", "70000 is out of range (1..65535)")]
    [InlineData("xmppTls: required", "xmppTls: maybe", 7, "target.xmppTls", "'maybe' is not one of auto, required, off")]
    [InlineData("notifications: xmpp", "notifications: jabber", 3, "target.notifications", "not one of sse, xmpp, none")]
    [InlineData("xmppHost: sim.example", "xmppHost: 'not a host'", 4, "target.xmppHost", "is not a host name")]
    [InlineData("xmppDomain: finesse.example", "xmppDomain: a@b", 6, "target.xmppDomain", "is not an XMPP domain")]
    [InlineData("xmppAcceptAnyCertificate: true", "xmppAcceptAnyCertificate: sure", 8, "target.xmppAcceptAnyCertificate", "not true or false")]
    [InlineData("xmppPort: 5299", "xmppport: 5299", 5, "target.xmppport", "did you mean 'xmppPort'")]
    public void BadXmppFieldsFailWithFileLineAndReason(string good, string bad, int line, string field, string reason)
    {
        var ex = Assert.Throws<ScenarioFileException>(() => ScenarioFileLoader.Parse(File.Replace(good, bad, StringComparison.Ordinal), "bad.yaml"));
        Assert.Equal((line, field), (ex.Line, ex.Field));
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"bad.yaml:{line}:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--xmpp-port", "0", "not a TCP port", true)]
    [InlineData("--xmpp-host", "not a host", "not a host name", true)]
    [InlineData("--xmpp-domain", "a/b", "not an XMPP domain", true)]
    [InlineData("--xmpp-tls", "sometimes", "sometimes", false)]
    [InlineData("--notifications", "jabber", "jabber", false)]
    public async Task BadXmppOptionsFailBeforeTheRun(string option, string value, string reason, bool ours)
    {
        var error = new StringWriter();
        var code = await Cli.CommandLine.Parse(["run", "--builtin", "agent-shift", "--copies", "1", "--report-formats", "none", option, value])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Contains(reason, error.ToString(), StringComparison.Ordinal);
        if (ours)
        {
            Assert.Equal(Cli.ExitCodes.InvalidInput, code);
        }
        else
        {
            Assert.NotEqual(Cli.ExitCodes.Passed, code); // System.CommandLine's own parse error
        }
    }
}
