namespace MrdSimulator.Xmpp.Tests;

/// <summary>
/// RFC 7395 §3.6 over a raw WebSocket: the frames the server sends when a stream ends, exactly, and how the TCP
/// connection ends (an orderly close, not a reset that would discard what was sent before it).
/// </summary>
public sealed class WebSocketCloseTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private const string Close = "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";

    private SimulatorHost Host => fixture.Host;

    [Fact]
    public async Task TheClientsCloseIsAnsweredByOneCloseThenACloseFrame1000AndNothingAfter()
    {
        await using var socket = await RawWebSocket.SignInAsync(Host, "1160", "close");
        var before = socket.Frames.Count;

        await socket.SendTextAsync(Close);
        var end = await socket.ReadToEndAsync();

        Assert.Equal(
            [(RawWebSocket.TextFrame, Close, (int?)null), (RawWebSocket.CloseFrame, "\u0003\u00e8", 1000)],
            socket.Frames.Skip(before).Select(f => (f.Opcode, f.Opcode == RawWebSocket.TextFrame ? f.Text : Latin1(f.Payload), f.CloseStatus)));
        Assert.Equal("fin", end);
    }

    [Fact]
    public async Task AStreamErrorIsSentBeforeItsCloseAndTheConnectionEndsWithoutAReset()
    {
        await using var socket = await RawWebSocket.SignInAsync(Host, "1161", "error");
        var before = socket.Frames.Count;

        await socket.SendTextAsync("<message xmlns='jabber:client'><body>unclosed</message>");
        var end = await socket.ReadToEndAsync();

        var after = socket.Frames.Skip(before).ToList();
        Assert.Equal([RawWebSocket.TextFrame, RawWebSocket.TextFrame, RawWebSocket.CloseFrame], after.Select(f => f.Opcode));
        Assert.StartsWith("<stream:error", after[0].Text, StringComparison.Ordinal);
        Assert.Contains("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", after[0].Text, StringComparison.Ordinal);
        Assert.Equal(Close, after[1].Text);
        Assert.Equal(1000, after[2].CloseStatus);
        Assert.Equal("fin", end);
    }

    [Fact]
    public async Task ACloseFrameWithoutACloseElementStillGetsTheCloseElementThenTheCloseFrame()
    {
        await using var socket = await RawWebSocket.SignInAsync(Host, "1162", "frame");
        var before = socket.Frames.Count;

        await socket.SendCloseAsync(1000);
        var end = await socket.ReadToEndAsync();

        Assert.Equal([(RawWebSocket.TextFrame, (int?)null), (RawWebSocket.CloseFrame, 1000)], socket.Frames.Skip(before).Select(f => (f.Opcode, f.CloseStatus)));
        Assert.Equal(Close, socket.Frames[^2].Text);
        Assert.Equal("fin", end);
    }

    private static string Latin1(byte[] bytes) => System.Text.Encoding.Latin1.GetString(bytes);
}
