using System.Text.Json;

namespace MrdSimulator.Xmpp.Tests;

/// <summary>
/// Conformance with XMPP clients nobody here wrote: slixmpp over TCP, @xmpp/client over WebSocket. Each one
/// authenticates (SCRAM-SHA-1), binds, subscribes, and must receive exactly one event for one REST change.
/// </summary>
public sealed class RealClientTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private SimulatorHost Host => fixture.Host;

    [Fact]
    public async Task SlixmppOverTcpReceivesExactlyOneMediaEventCarryingTheRequestId()
    {
        await using var client = ExternalClient.StartPython("slixmpp_client.py", Slixmpp("1100", "password",
            "--subscribe", "/finesse/api/User/1100/Media", "--forbidden", "/finesse/api/User/1101/Media"));
        await AssertOneEventAsync(client, "1100", "req-slixmpp");
    }

    [Fact]
    public async Task SlixmppWithAWrongPasswordFailsAuthentication()
    {
        await using var client = ExternalClient.StartPython("slixmpp_client.py", Slixmpp("1102", "wrong", "--subscribe", "/finesse/api/User/1102/Media"));
        await client.WaitForAsync("AUTH_FAILED");
        Assert.DoesNotContain(client.Lines, l => l.StartsWith("READY", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/ws/")]
    [InlineData("/ws")]
    public async Task XmppJsOverWebSocketReceivesExactlyOneMediaEventCarryingTheRequestId(string path)
    {
        var user = path == "/ws/" ? "1103" : "1104";
        await using var client = ExternalClient.StartNode("xmpp_client_ws.mjs", XmppJs(path, user, "password",
            "--subscribe", $"/finesse/api/User/{user}/Media", "--forbidden", "/finesse/api/User/1105/Media"));
        await AssertOneEventAsync(client, user, "req-xmppjs" + user);
    }

    [Fact]
    public async Task XmppJsWithAWrongPasswordFailsAuthenticationWithNotAuthorized()
    {
        await using var client = ExternalClient.StartNode("xmpp_client_ws.mjs", XmppJs("/ws/", "1106", "wrong", "--subscribe", "/finesse/api/User/1106/Media"));
        var failure = JsonDocument.Parse(await client.WaitForAsync("AUTH_FAILED")).RootElement;
        Assert.Equal("not-authorized", failure.GetProperty("condition").GetString());
    }

    [Fact]
    public async Task XmppJsStopClosesTheWebSocketStreamWithoutAnError()
    {
        await using var client = ExternalClient.StartNode("xmpp_client_ws.mjs", XmppJs("/ws/", "1112", "password",
            "--subscribe", "/finesse/api/User/1112/Media", "--timeout", "200"));
        await client.WaitForAsync("READY");

        var stopped = JsonDocument.Parse(await client.WaitForAsync("STOPPED")).RootElement;
        Assert.True(stopped.GetProperty("clean").GetBoolean());
        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.DoesNotContain(client.Lines, l => l.StartsWith("ERROR", StringComparison.Ordinal) || l.StartsWith("STOP_FAILED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StanzaJsDisconnectClosesTheWebSocketStreamWithoutAnError()
    {
        var service = new Uri(new Uri(Host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), "/ws/").ToString();
        await using var client = ExternalClient.StartNode("stanza_client_ws.mjs", "--service", service, "--jid", $"1113@{Host.Domain}", "--password", "password");
        await client.WaitForAsync("READY");

        await client.WaitForAsync("DISCONNECTED");
        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.DoesNotContain(client.Lines, l => l.StartsWith("ERROR", StringComparison.Ordinal));
        Assert.Equal(string.Empty, client.Stderr.Trim());
    }

    [Fact]
    public async Task StropheOverBoshReceivesExactlyOneMediaEventCarryingTheRequestId()
    {
        await using var client = ExternalClient.StartNode("strophe_client_bosh.cjs", Strophe("1107", "password",
            "--subscribe", "/finesse/api/User/1107/Media", "--forbidden", "/finesse/api/User/1108/Media"));
        await AssertOneEventAsync(client, "1107", "req-strophe");
    }

    [Fact]
    public async Task StropheOverBoshWithAWrongPasswordFailsAuthentication()
    {
        await using var client = ExternalClient.StartNode("strophe_client_bosh.cjs", Strophe("1109", "wrong", "--subscribe", "/finesse/api/User/1109/Media"));
        await client.WaitForAsync("AUTH_FAILED");
        Assert.DoesNotContain(client.Lines, l => l.StartsWith("READY", StringComparison.Ordinal));
    }

    private string[] Strophe(string user, string password, params string[] extra) =>
    [
        "--service", new Uri(Host.BaseAddress, "/http-bind").ToString(),
        "--jid", $"{user}@{Host.Domain}/strophe", "--password", password, "--pubsub", Host.PubSubDomain, .. extra,
    ];

    private async Task AssertOneEventAsync(ExternalClient client, string user, string requestId)
    {
        var scramBefore = Host.Xmpp.Authentications("SCRAM-SHA-1");
        var ready = JsonDocument.Parse(await client.WaitForAsync("READY")).RootElement;
        Assert.True(Host.Xmpp.Authentications("SCRAM-SHA-1") > scramBefore, "the client should have used SCRAM-SHA-1");
        Assert.StartsWith($"{user}@{Host.Domain}/", ready.GetProperty("jid").GetString(), StringComparison.Ordinal);
        var forbidden = JsonDocument.Parse(await client.WaitForAsync("FORBIDDEN")).RootElement;
        Assert.Equal("forbidden", forbidden.GetProperty("condition").GetString());
        Assert.Equal("auth", forbidden.GetProperty("type").GetString());

        await Host.SignInAsync(user, requestId);
        await client.WaitForAsync("DONE");
        var events = client.Events;
        var only = Assert.Single(events);
        Assert.Equal($"/finesse/api/User/{user}/Media", only.GetProperty("node").GetString());
        Assert.Equal(Host.PubSubDomain, only.GetProperty("from").GetString());
        Assert.Equal(ready.GetProperty("jid").GetString(), only.GetProperty("to").GetString());
        Golden.AssertSignInUpdate(user, requestId, only.GetProperty("update").GetString()!);
    }

    private string[] Slixmpp(string user, string password, params string[] extra) =>
    [
        "--port", Host.XmppPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--jid", $"{user}@{Host.Domain}/slixmpp", "--password", password, "--pubsub", Host.PubSubDomain, .. extra,
    ];

    private string[] XmppJs(string path, string user, string password, params string[] extra) =>
    [
        "--service", new Uri(new Uri(Host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), path).ToString(),
        "--domain", Host.Domain, "--username", user, "--password", password, "--pubsub", Host.PubSubDomain, .. extra,
    ];
}
