using System.Xml.Linq;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>The XEP-0060 subset Finesse clients use, served at the pubsub domain: subscribe, unsubscribe, subscriptions, disco.</summary>
internal sealed partial class XmppSession
{
    private void OnPubSubServiceIq(XElement iq, string type, XElement payload)
    {
        switch (payload.Name.NamespaceName, payload.Name.LocalName, type)
        {
            case (Ns.PubSub, "pubsub", _):
                OnPubSub(iq, type, payload);
                break;
            case (Ns.DiscoInfo, "query", "get"):
                PubSubInfo(iq, payload);
                break;
            case (Ns.DiscoItems, "query", "get"):
                PubSubItems(iq, payload);
                break;
            case (Ns.Ping, "ping", "get"):
                Send(Result(iq));
                break;
            case ("http://jabber.org/protocol/pubsub#owner", _, _):
                Send(IqError(iq, "cancel", "feature-not-implemented", Unsupported("owner")));
                break;
            default:
                Send(IqError(iq, "cancel", "service-unavailable"));
                break;
        }
    }

    private void OnPubSub(XElement iq, string type, XElement pubsub)
    {
        var verbs = pubsub.Elements().Where(e => e.Name.Namespace == Ns.XPubSub).ToList();
        var verb = verbs.Count == 0 ? null : verbs[0];
        switch (verb?.Name.LocalName, type)
        {
            case ("subscribe", "set"):
                OnSubscribe(iq, verb!);
                break;
            case ("unsubscribe", "set"):
                OnUnsubscribe(iq, verb!);
                break;
            case ("subscriptions", "get"):
                OnSubscriptions(iq, verb!);
                break;
            case (null, _):
                Send(IqError(iq, "modify", "bad-request"));
                break;
            default:
                // publish, create, items, retract, options…: Finesse clients only subscribe.
                Send(IqError(iq, "cancel", "feature-not-implemented", Unsupported(verb!.Name.LocalName switch
                {
                    "items" => "retrieve-items",
                    "create" => "create-nodes",
                    "publish" => "publish",
                    "retract" => "retract-items",
                    "options" => "subscription-options",
                    "affiliations" => "retrieve-affiliations",
                    _ => verb.Name.LocalName,
                })));
                break;
        }
    }

    /// <summary>Resolves the node of a request to one of the caller's own nodes, or sends the error.</summary>
    private bool TryOwnNode(XElement iq, XElement verb, out NodeKey node)
    {
        node = default;
        var path = (string?)verb.Attribute("node");
        if (string.IsNullOrEmpty(path))
        {
            Send(IqError(iq, "modify", "bad-request", PubSubError("nodeid-required")));
            return false;
        }

        if (!NodeKey.TryParse(path, out node))
        {
            Send(IqError(iq, "cancel", "item-not-found"));
            return false;
        }

        if (!string.Equals(node.UserId, User!.Id, StringComparison.Ordinal))
        {
            // Finesse users see only their own feeds.
            Send(IqError(iq, "auth", "forbidden"));
            return false;
        }

        return true;
    }

    /// <summary>The subscriber JID must be this user's (bare or full, XEP-0060 §6.1.3.1).</summary>
    private bool JidIsMine(XElement iq, XElement verb)
    {
        var jid = (string?)verb.Attribute("jid");
        if (jid is null)
        {
            Send(IqError(iq, "modify", "bad-request", PubSubError("jid-required")));
            return false;
        }

        var slash = jid.IndexOf('/', StringComparison.Ordinal);
        var bare = slash < 0 ? jid : jid[..slash];
        if (!string.Equals(bare, BareJid, StringComparison.OrdinalIgnoreCase))
        {
            Send(IqError(iq, "modify", "bad-request", PubSubError("invalid-jid")));
            return false;
        }

        return true;
    }

    private void OnSubscribe(XElement iq, XElement verb)
    {
        if (!TryOwnNode(iq, verb, out var node) || !JidIsMine(iq, verb))
        {
            return;
        }

        Subscribe(node);
        Send(Result(iq, new XElement(Ns.XPubSub + "pubsub", SubscriptionElement(node, (string)verb.Attribute("jid")!, "subscribed"))));
    }

    private void OnUnsubscribe(XElement iq, XElement verb)
    {
        if (!TryOwnNode(iq, verb, out var node) || !JidIsMine(iq, verb))
        {
            return;
        }

        if (!Unsubscribe(node))
        {
            Send(IqError(iq, "cancel", "unexpected-request", PubSubError("not-subscribed")));
            return;
        }

        Send(Result(iq));
    }

    private void OnSubscriptions(XElement iq, XElement verb)
    {
        var filter = (string?)verb.Attribute("node");
        var list = new XElement(Ns.XPubSub + "subscriptions", filter is null ? null : new XAttribute("node", filter));
        foreach (var node in NodeKey.AllFor(User!.Id))
        {
            if (IsSubscribed(node.Kind) && (filter is null || filter == node.Path))
            {
                list.Add(SubscriptionElement(node, FullJid!, "subscribed"));
            }
        }

        Send(Result(iq, new XElement(Ns.XPubSub + "pubsub", list)));
    }

    private XElement SubscriptionElement(NodeKey node, string jid, string state) =>
        new(Ns.XPubSub + "subscription",
            new XAttribute("node", node.Path),
            new XAttribute("jid", jid),
            new XAttribute("subid", $"{StreamId}-{(int)node.Kind}"),
            new XAttribute("subscription", state));

    private void PubSubInfo(XElement iq, XElement query)
    {
        var info = new XElement(XName.Get("query", Ns.DiscoInfo), CopyNode(query));
        if ((string?)query.Attribute("node") is { } path)
        {
            if (!NodeKey.TryParse(path, out var node))
            {
                Send(IqError(iq, "cancel", "item-not-found"));
                return;
            }

            if (node.UserId != User!.Id)
            {
                Send(IqError(iq, "auth", "forbidden"));
                return;
            }

            info.Add(new XElement(XName.Get("identity", Ns.DiscoInfo), new XAttribute("category", "pubsub"), new XAttribute("type", "leaf")));
            info.Add(Feature(Ns.PubSub));
        }
        else
        {
            info.Add(new XElement(XName.Get("identity", Ns.DiscoInfo), new XAttribute("category", "pubsub"), new XAttribute("type", "service"), new XAttribute("name", "Finesse notifications")));
            foreach (var feature in new[]
            {
                Ns.DiscoInfo, Ns.DiscoItems, Ns.PubSub, Ns.PubSub + "#subscribe", Ns.PubSub + "#retrieve-subscriptions", Ns.PubSub + "#auto-subscribe",
            })
            {
                info.Add(Feature(feature));
            }
        }

        Send(Result(iq, info));
    }

    private void PubSubItems(XElement iq, XElement query)
    {
        var items = new XElement(XName.Get("query", Ns.DiscoItems), CopyNode(query));
        if ((string?)query.Attribute("node") is null)
        {
            // Users discover only their own nodes.
            foreach (var node in NodeKey.AllFor(User!.Id))
            {
                items.Add(new XElement(XName.Get("item", Ns.DiscoItems), new XAttribute("jid", _server.PubSubDomain), new XAttribute("node", node.Path)));
            }
        }

        Send(Result(iq, items));
    }

    private static XElement Feature(string name) => new(XName.Get("feature", Ns.DiscoInfo), new XAttribute("var", name));

    private static XElement PubSubError(string condition) => new(XName.Get(condition, Ns.PubSubErrors));

    private static XElement Unsupported(string feature) =>
        new(XName.Get("unsupported", Ns.PubSubErrors), new XAttribute("feature", feature));
}
