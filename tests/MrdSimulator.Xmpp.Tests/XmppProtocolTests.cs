using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace MrdSimulator.Xmpp.Tests;

/// <summary>Session, pubsub and stream-error behaviour over a raw TCP socket (RFC 6120 / XEP-0060).</summary>
public sealed class XmppProtocolTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private SimulatorHost Host => fixture.Host;

    [Fact]
    public async Task SignedInSessionReceivesTheMediaUpdateWithItsRequestIdInTheFinesseEnvelope()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1000", "raw");
        Assert.Equal($"1000@{Host.Domain}/raw", client.FullJid);

        await Host.SignInAsync("1000", "req-raw-1");
        var message = await client.ReadUntilAsync("</message>");
        Assert.Contains($"<message xmlns='jabber:client' from='{Host.PubSubDomain}' to='1000@{Host.Domain}/raw'", message, StringComparison.Ordinal);
        Assert.Contains("<items node='/finesse/api/User/1000/Media'>", message, StringComparison.Ordinal);
        Assert.Matches("<item id='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'><notification xmlns='http://jabber.org/protocol/pubsub'>&lt;Update&gt;", message);

        var start = message.LastIndexOf("<message", StringComparison.Ordinal);
        var update = System.Xml.Linq.XElement.Parse(message[start..]).Descendants().Single(e => e.Name.LocalName == "notification").Value;
        Golden.AssertSignInUpdate("1000", "req-raw-1", update);
    }

    [Fact]
    public async Task MalformedXmlEndsTheStreamWithNotWellFormed()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1001", "raw");
        await client.SendAsync("<message><body>hi</message></body>");
        var rest = await client.ReadToEndAsync();
        Assert.Contains("<stream:error", rest, StringComparison.Ordinal);
        Assert.Contains("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
        Assert.EndsWith("</stream:stream>", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedXmlBeforeAuthenticationAlsoEndsTheStreamWithNotWellFormed()
    {
        await using var client = await RawXmppClient.ConnectAsync(Host.XmppPort);
        await client.OpenAsync(Host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' a='1' a='2'/>");
        var rest = await client.ReadToEndAsync();
        Assert.Contains("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoctypeAndCommentsAreRefusedAsRestrictedXml()
    {
        await using var client = await RawXmppClient.ConnectAsync(Host.XmppPort);
        await client.OpenAsync(Host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>");
        var rest = await client.ReadToEndAsync();
        Assert.Contains("<restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongDomainInTheStreamHeaderIsHostUnknown()
    {
        await using var client = await RawXmppClient.ConnectAsync(Host.XmppPort);
        await client.OpenAsync("example.org");
        var rest = await client.ReadToEndAsync();
        Assert.Contains("<host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribingToAnotherUsersNodeIsForbidden()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1002", "raw");
        await client.SendAsync($"<iq type='set' id='sub1' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='/finesse/api/User/1003/Media' jid='{client.FullJid}'/></pubsub></iq>");
        var answer = await client.ReadIqAsync("sub1");
        Assert.Contains("type=\"error\"", answer, StringComparison.Ordinal);
        Assert.Contains("<error type=\"auth\"><forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\" /></error>", answer, StringComparison.Ordinal);

        // And no event of user 1003 reaches 1002.
        await Host.SignInAsync("1003", "req-other");
        await client.SendAsync("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
        var next = await client.ReadIqAsync("p1");
        Assert.DoesNotContain("<message", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPasswordFailsSaslWithNotAuthorized()
    {
        await using var client = await RawXmppClient.ConnectAsync(Host.XmppPort);
        await client.OpenAsync(Host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\u00001004\u0000wrong"));
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>");
        var answer = await client.ReadUntilAsync("</failure>");
        Assert.Contains("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StanzaLargerThanTheLimitEndsTheStreamWithPolicyViolation()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1005", "raw");
        var body = new string('x', Host.Xmpp.Options.MaxStanzaBytes + 1024);
        await client.SendAsync($"<message to='{Host.Domain}'><body>{body}</body></message>");
        var rest = await client.ReadToEndAsync();
        Assert.Contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryBoundResourceOfAUserReceivesTheEvent()
    {
        var clients = new List<RawXmppClient>();
        try
        {
            foreach (var resource in new[] { "desk-a", "desk-b", "phone" })
            {
                clients.Add(await RawXmppClient.SignInAsync(Host, "1006", resource));
            }

            Assert.Equal(3, Host.Xmpp.BoundJids("1006").Count);
            await Host.SignInAsync("1006", "req-multi");
            foreach (var client in clients)
            {
                var message = await client.ReadUntilAsync("</message>");
                Assert.Contains($"to='{client.FullJid}'", message, StringComparison.Ordinal);
                var update = System.Xml.Linq.XElement.Parse(message[message.LastIndexOf("<message", StringComparison.Ordinal)..])
                    .Descendants().Single(e => e.Name.LocalName == "notification").Value;
                Golden.AssertSignInUpdate("1006", "req-multi", update);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ExplicitSubscribeIsIdempotentAndSubscriptionsListsTheOwnNodes()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1007", "raw");
        await client.SendAsync($"<iq type='set' id='s1' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='/finesse/api/User/1007/Media' jid='{client.FullJid}'/></pubsub></iq>");
        var answer = await client.ReadIqAsync("s1");
        Assert.Contains("type=\"result\"", answer, StringComparison.Ordinal);
        Assert.Contains("subscription=\"subscribed\"", answer, StringComparison.Ordinal);

        await client.SendAsync($"<iq type='get' id='l1' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscriptions/></pubsub></iq>");
        var list = await client.ReadIqAsync("l1");
        foreach (var node in new[] { "/finesse/api/User/1007", "/finesse/api/User/1007/Media", "/finesse/api/User/1007/Dialogs", "/finesse/api/User/1007/Dialogs/Media" })
        {
            Assert.Contains($"node=\"{node}\"", list, StringComparison.Ordinal);
        }

        // One event, not two, although the session subscribed explicitly on top of the automatic subscription.
        await Host.SignInAsync("1007", "req-idem");
        await client.ReadEventAsync();
        await client.SendAsync("<iq type='get' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.DoesNotContain("<message", await client.ReadIqAsync("p2"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsubscribedNodeDeliversNothingAndASecondUnsubscribeIsAnError()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1008", "raw");
        var unsubscribe = $"<iq type='set' id='u1' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='/finesse/api/User/1008/Media' jid='{client.FullJid}'/></pubsub></iq>";
        await client.SendAsync(unsubscribe);
        Assert.Contains("type=\"result\"", await client.ReadIqAsync("u1"), StringComparison.Ordinal);
        await client.SendAsync(unsubscribe);
        var again = await client.ReadIqAsync("u1");
        Assert.Contains("unexpected-request", again, StringComparison.Ordinal);
        Assert.Contains("not-subscribed", again, StringComparison.Ordinal);

        await Host.SignInAsync("1008", "req-unsub");
        await client.SendAsync("<iq type='get' id='p3'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.DoesNotContain("<message", await client.ReadIqAsync("p3"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionRosterDiscoPingAndUnknownRequestsAnswerAsTheRfcsSay()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1009", "raw");
        await client.SendAsync("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
        Assert.Contains("type=\"result\"", await client.ReadIqAsync("sess"), StringComparison.Ordinal);

        await client.SendAsync("<presence/>");
        await client.SendAsync("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
        Assert.Contains("<query xmlns=\"jabber:iq:roster\" />", await client.ReadIqAsync("r1"), StringComparison.Ordinal);

        await client.SendAsync($"<iq type='get' id='d1' to='{Host.PubSubDomain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var info = await client.ReadIqAsync("d1");
        Assert.Contains("category=\"pubsub\" type=\"service\"", info, StringComparison.Ordinal);
        Assert.Contains("var=\"http://jabber.org/protocol/pubsub#subscribe\"", info, StringComparison.Ordinal);

        await client.SendAsync($"<iq type='get' id='d2' to='{Host.PubSubDomain}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        var items = await client.ReadIqAsync("d2");
        Assert.Contains("node=\"/finesse/api/User/1009/Dialogs/Media\"", items, StringComparison.Ordinal);
        Assert.DoesNotContain("User/1010", items, StringComparison.Ordinal);

        await client.SendAsync($"<iq type='get' id='d3' to='{Host.Domain}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        Assert.Contains($"jid=\"{Host.PubSubDomain}\"", await client.ReadIqAsync("d3"), StringComparison.Ordinal);

        await client.SendAsync($"<iq type='get' id='p4' to='{Host.PubSubDomain}'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Contains("id=\"p4\"", await client.ReadIqAsync("p4"), StringComparison.Ordinal);

        await client.SendAsync("<iq type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>");
        Assert.Contains("<service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\" />", await client.ReadIqAsync("v1"), StringComparison.Ordinal);

        await client.SendAsync($"<iq type='set' id='pub1' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='/finesse/api/User/1009/Media'/></pubsub></iq>");
        var publish = await client.ReadIqAsync("pub1");
        Assert.Contains("<feature-not-implemented xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\" />", publish, StringComparison.Ordinal);
        Assert.Contains("feature=\"publish\"", publish, StringComparison.Ordinal);

        await client.SendAsync("<iq type='get' id='x1' to='someone@elsewhere'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Contains("service-unavailable", await client.ReadIqAsync("x1"), StringComparison.Ordinal);

        await client.SendAsync("<presence type='unavailable'/></stream:stream>");
        Assert.EndsWith("</stream:stream>", await client.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BindingWithoutAResourceGetsAGeneratedOne()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1010", "");
        Assert.Matches($"^1010@{Host.Domain.Replace(".", "\\.", StringComparison.Ordinal)}/mrdsim-[0-9a-f]{{12}}$", client.FullJid);
    }

    [Fact]
    public async Task BindingAResourceAlreadyOnlineReplacesTheOldSessionWithConflict()
    {
        await using var first = await RawXmppClient.SignInAsync(Host, "1011", "same");
        await using var second = await RawXmppClient.SignInAsync(Host, "1011", "same");
        Assert.Contains("<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", await first.ReadToEndAsync(), StringComparison.Ordinal);
        await Host.SignInAsync("1011", "req-conflict");
        var (_, update) = await second.ReadEventAsync();
        Golden.AssertSignInUpdate("1011", "req-conflict", update);
    }

    [Fact]
    public async Task StanzasBeforeAuthenticationAreNotAuthorized()
    {
        await using var client = await RawXmppClient.ConnectAsync(Host.XmppPort);
        await client.OpenAsync(Host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync($"<iq type='set' id='s' to='{Host.PubSubDomain}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='/finesse/api/User/1012/Media' jid='1012@{Host.Domain}'/></pubsub></iq>");
        Assert.Contains("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", await client.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestCallWithTheWrongPasswordStillAnswers401AndDoesNotDisturbXmpp()
    {
        await using var client = await RawXmppClient.SignInAsync(Host, "1013", "raw");
        using var response = await Host.PutMediaAsync("1013", SimulatorHost.SignInBody, "r", password: "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await client.SendAsync("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Contains("type=\"result\"", await client.ReadIqAsync("p"), StringComparison.Ordinal);
    }

    internal static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
