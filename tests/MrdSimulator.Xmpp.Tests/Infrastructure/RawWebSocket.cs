using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>
/// A WebSocket client over a raw socket (RFC 6455), for XMPP over WebSocket (RFC 7395): it keeps every frame exactly as
/// the server sent it — close frames, and anything after them — and tells an orderly TCP close from a reset, which client
/// libraries hide. Like a compliant client it answers the server's close frame with its own.
/// </summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    public const int TextFrame = 1;
    public const int CloseFrame = 8;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;
    private bool _closeSent;

    private RawWebSocket(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Every frame received, in order.</summary>
    public List<WebSocketFrame> Frames { get; } = [];

    public static async Task<RawWebSocket> ConnectAsync(Uri httpBase, string path = "/ws/")
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(httpBase.Host, httpBase.Port);
        var socket = new RawWebSocket(tcp);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await socket._stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: {httpBase.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n"));
        var head = await socket.ReadHeadAsync();
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("WebSocket upgrade refused: " + head);
        }

        return socket;
    }

    /// <summary>Opens an XMPP stream, authenticates with PLAIN and binds <paramref name="resource"/>.</summary>
    public static async Task<RawWebSocket> SignInAsync(SimulatorHost host, string user, string resource, string password = "password")
    {
        var socket = await ConnectAsync(host.BaseAddress);
        var open = $"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='{host.Domain}' version='1.0'/>";
        await socket.SendTextAsync(open);
        await socket.ReadTextUntilAsync("</stream:features>");
        await socket.SendTextAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))}</auth>");
        await socket.ReadTextUntilAsync("<success");
        await socket.SendTextAsync(open);
        await socket.ReadTextUntilAsync("</stream:features>");
        await socket.SendTextAsync($"<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        await socket.ReadTextUntilAsync("</iq>");
        return socket;
    }

    public Task SendTextAsync(string text) => SendFrameAsync(TextFrame, Encoding.UTF8.GetBytes(text));

    public Task SendCloseAsync(ushort status)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        _closeSent = true;
        return SendFrameAsync(CloseFrame, payload);
    }

    /// <summary>Reads text frames until one contains <paramref name="marker"/>; returns that frame's text.</summary>
    public async Task<string> ReadTextUntilAsync(string marker, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await ReadFrameAsync(cts.Token) ?? throw new EndOfStreamException($"connection closed before '{marker}'");
            if (frame.Opcode == TextFrame && frame.Text.Contains(marker, StringComparison.Ordinal))
            {
                return frame.Text;
            }
        }
    }

    /// <summary>Reads frames until the server ends the connection; says how it ended: <c>fin</c>, <c>reset</c> or <c>timeout</c>.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (await ReadFrameAsync(cts.Token) is not null)
            {
            }

            return "fin";
        }
        catch (OperationCanceledException)
        {
            return "timeout";
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return "reset";
        }
    }

    /// <summary>The next frame, or null when the server closed the connection between frames.</summary>
    public async Task<WebSocketFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(2, cancellationToken))
        {
            return null;
        }

        var first = _buffer[_start];
        var second = _buffer[_start + 1];
        var length = (long)(second & 0x7F);
        var header = 2;
        if (length == 126)
        {
            await RequireAsync(4, cancellationToken);
            length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
            header = 4;
        }
        else if (length == 127)
        {
            await RequireAsync(10, cancellationToken);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
            header = 10;
        }

        if ((second & 0x80) != 0 || header + length > _buffer.Length)
        {
            throw new InvalidDataException($"unexpected frame from the server: masked or {length} bytes");
        }

        await RequireAsync(header + (int)length, cancellationToken);
        var frame = new WebSocketFrame(first & 0x0F, (first & 0x80) != 0, _buffer.AsSpan(_start + header, (int)length).ToArray());
        _start += header + (int)length;
        Frames.Add(frame);
        if (frame.CloseStatus is { } status && !_closeSent)
        {
            await SendCloseAsync((ushort)status);
        }

        return frame;
    }

    private async Task SendFrameAsync(int opcode, byte[] payload)
    {
        var frame = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else
        {
            frame.Add(0x80 | 126);
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }

        var mask = RandomNumberGenerator.GetBytes(4);
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        await _stream.WriteAsync(frame.ToArray());
    }

    private async Task<string> ReadHeadAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(_buffer, _start, end);
                _start += end + 4;
                return head;
            }

            if (!await FillAsync(_end - _start + 1, cts.Token))
            {
                throw new EndOfStreamException("connection closed during the upgrade");
            }
        }
    }

    private async Task RequireAsync(int count, CancellationToken cancellationToken)
    {
        if (!await FillAsync(count, cancellationToken))
        {
            throw new EndOfStreamException("connection closed inside a frame");
        }
    }

    /// <summary>Buffers at least <paramref name="count"/> unread bytes; false when the connection ended first.</summary>
    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>One WebSocket frame as received.</summary>
public sealed record WebSocketFrame(int Opcode, bool Fin, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public int? CloseStatus => Opcode == RawWebSocket.CloseFrame && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;
}
