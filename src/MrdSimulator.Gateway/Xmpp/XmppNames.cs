using System.Xml.Linq;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>Namespaces and names of the XMPP protocols served.</summary>
internal static class Ns
{
    public const string Client = "jabber:client";
    public const string Streams = "http://etherx.jabber.org/streams";
    public const string StreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
    public const string Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public const string Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    public const string Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    public const string Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    public const string Session = "urn:ietf:params:xml:ns:xmpp-session";
    public const string Framing = "urn:ietf:params:xml:ns:xmpp-framing";
    public const string HttpBind = "http://jabber.org/protocol/httpbind";
    public const string XBosh = "urn:xmpp:xbosh";
    public const string Roster = "jabber:iq:roster";
    public const string Ping = "urn:xmpp:ping";
    public const string DiscoInfo = "http://jabber.org/protocol/disco#info";
    public const string DiscoItems = "http://jabber.org/protocol/disco#items";
    public const string PubSub = "http://jabber.org/protocol/pubsub";
    public const string PubSubEvent = "http://jabber.org/protocol/pubsub#event";
    public const string PubSubErrors = "http://jabber.org/protocol/pubsub#errors";

    public static readonly XNamespace XClient = Client;
    public static readonly XNamespace XSasl = Sasl;
    public static readonly XNamespace XPubSub = PubSub;
    public static readonly XNamespace XBind = Bind;
}
