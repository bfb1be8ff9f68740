using System.Security.Cryptography;
using System.Text;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>A BOSH client (XEP-0124/0206) made of plain POSTs, keeping every response body byte for byte.</summary>
public sealed class RawBoshClient(SimulatorHost host)
{
    private long _rid = RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private string? _sid;

    /// <summary>Every response body, as received.</summary>
    public List<byte[]> Bodies { get; } = [];

    /// <summary>Creates a session, authenticates with PLAIN, restarts and binds <paramref name="resource"/>.</summary>
    public static async Task<RawBoshClient> SignInAsync(SimulatorHost host, string user, string resource, string password = "password")
    {
        var client = new RawBoshClient(host);
        var created = await client.SendAsync(string.Empty, $"to='{host.Domain}' wait='5' hold='1' ver='1.11' xmpp:version='1.0'");
        client._sid = System.Xml.Linq.XElement.Parse(created).Attribute("sid")!.Value;
        Assert.Contains("<success", await client.SendAsync(
            $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>"), StringComparison.Ordinal);
        Assert.Contains("<bind", await client.SendAsync(string.Empty, $"to='{host.Domain}' xmpp:restart='true'"), StringComparison.Ordinal);
        Assert.Contains("<jid>", await client.SendAsync(
            $"<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>"), StringComparison.Ordinal);
        return client;
    }

    /// <summary>POSTs one body with <paramref name="payload"/> inside; returns the answer (held until something is queued).</summary>
    public async Task<string> SendAsync(string payload, string attributes = "")
    {
        var sid = _sid is null ? string.Empty : $" sid='{_sid}'";
        var body = $"<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='{++_rid}'{sid} {attributes}>{payload}</body>";
        using var response = await host.Http.PostAsync("/http-bind", new StringContent(body, Encoding.UTF8, "text/xml"));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Bodies.Add(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
