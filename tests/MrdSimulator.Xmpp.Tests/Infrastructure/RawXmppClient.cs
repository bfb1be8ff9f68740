using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>
/// A deliberately simple XMPP client over a raw socket, for the error cases real libraries will not produce
/// (malformed XML, oversized stanzas) and for load-shaped tests. Reads accumulate as text; callers wait for
/// substrings.
/// </summary>
public sealed partial class RawXmppClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private int _consumed;
    private MemoryStream? _transcript;

    private RawXmppClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Domain { get; private set; } = "";

    public string? FullJid { get; private set; }

    /// <summary>The server's answer to the bind request of <see cref="SignInAsync"/> (a result, or an error).</summary>
    public string? BindAnswer { get; private set; }

    /// <summary>Everything received and not yet consumed by a read.</summary>
    public string Pending => _received.ToString(_consumed, _received.Length - _consumed);

    /// <summary>The bytes received since <see cref="StartTranscript"/>, exactly as they arrived.</summary>
    public byte[] Transcript => _transcript?.ToArray() ?? [];

    /// <summary>Starts keeping every byte received from now on (what is pending included), for a parser to judge.</summary>
    public void StartTranscript()
    {
        _transcript = new MemoryStream();
        _transcript.Write(Encoding.UTF8.GetBytes(Pending));
    }

    public static async Task<RawXmppClient> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var tcp = new TcpClient();
        if (receiveBuffer is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }

        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawXmppClient(tcp);
    }

    /// <summary>Connects, authenticates with PLAIN, binds <paramref name="resource"/>; the session is then auto-subscribed.</summary>
    public static async Task<RawXmppClient> SignInAsync(SimulatorHost host, string user, string resource, string password = "password", int? receiveBuffer = null)
    {
        var client = await ConnectAsync(host.XmppPort, receiveBuffer);
        client.Domain = host.Domain;
        await client.OpenAsync(host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await client.SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>");
        var answer = await client.ReadUntilAnyAsync("<success", "</failure>");
        if (!answer.Contains("<success", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("authentication failed: " + answer);
        }

        await client.OpenAsync(host.Domain);
        await client.ReadUntilAsync("</stream:features>");
        await client.SendAsync($"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{resource}</resource></bind></iq>");
        var bound = await client.ReadUntilAsync("</iq>");
        client.BindAnswer = bound;
        client.FullJid = JidPattern().Match(bound).Groups[1].Value;
        return client;
    }

    public Task OpenAsync(string domain) =>
        SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}' version='1.0'>");

    public async Task SendAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes);
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads until <paramref name="marker"/> appears after what earlier calls consumed; returns the text up to and including it.</summary>
    public Task<string> ReadUntilAsync(string marker, TimeSpan? timeout = null) => ReadUntilAnyAsync([marker], timeout);

    public Task<string> ReadUntilAnyAsync(params string[] markers) => ReadUntilAnyAsync(markers, null);

    public async Task<string> ReadUntilAnyAsync(string[] markers, TimeSpan? timeout)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[8192];
        var chars = new char[8192];
        while (true)
        {
            var text = _received.ToString();
            var best = -1;
            var bestMarker = "";
            foreach (var marker in markers)
            {
                var at = text.IndexOf(marker, _consumed, StringComparison.Ordinal);
                if (at >= 0 && (best < 0 || at < best))
                {
                    best = at;
                    bestMarker = marker;
                }
            }

            if (best >= 0)
            {
                var end = best + bestMarker.Length;
                var result = text[_consumed..end];
                _consumed = end;
                Compact();
                return result;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"none of [{string.Join(", ", markers)}] arrived; received after consumed: {text[_consumed..]}");
            }

            if (read == 0)
            {
                throw new EndOfStreamException($"connection closed before [{string.Join(", ", markers)}]; received: {text[_consumed..]}");
            }

            _transcript?.Write(buffer, 0, read);
            var n = _decoder.GetChars(buffer, 0, read, chars, 0);
            _received.Append(chars, 0, n);
        }
    }

    /// <summary>Reads the iq answer with <paramref name="id"/> (self-closing or not) and returns it.</summary>
    public async Task<string> ReadIqAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var text = _received.ToString();
            var at = text.IndexOf($"id=\"{id}\"", _consumed, StringComparison.Ordinal);
            if (at >= 0)
            {
                var start = text.LastIndexOf("<iq", at, StringComparison.Ordinal);
                var tagEnd = text.IndexOf('>', at);
                var end = -1;
                if (tagEnd > 0 && text[tagEnd - 1] == '/')
                {
                    end = tagEnd + 1;
                }
                else if (tagEnd > 0 && text.IndexOf("</iq>", tagEnd, StringComparison.Ordinal) is var close and >= 0)
                {
                    end = close + 5;
                }

                if (end >= 0)
                {
                    var between = text[_consumed..start];
                    _consumed = end;
                    Compact();
                    return between + text[start..end];
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no iq {id}; received after consumed: {text[_consumed..]}");
            }

            await ReadMoreAsync(left);
        }
    }

    private async Task ReadMoreAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[8192];
        var chars = new char[8192];
        int read;
        try
        {
            read = await _stream.ReadAsync(buffer, cts.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (read == 0)
        {
            throw new EndOfStreamException("connection closed; received: " + _received.ToString()[_consumed..]);
        }

        _transcript?.Write(buffer, 0, read);
        _received.Append(chars, 0, _decoder.GetChars(buffer, 0, read, chars, 0));
    }

    /// <summary>Reads until the server closes the connection (or it resets); returns everything not yet consumed.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[8192];
        var chars = new char[8192];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    break;
                }

                _transcript?.Write(buffer, 0, read);
                var n = _decoder.GetChars(buffer, 0, read, chars, 0);
                _received.Append(chars, 0, n);
            }
        }
        catch (IOException)
        {
            // Reset by the server.
        }

        var text = _received.ToString();
        var rest = text[_consumed..];
        _consumed = text.Length;
        Compact();
        return rest;
    }

    /// <summary>Reads the next pubsub event message and returns (node, decoded Update XML).</summary>
    public async Task<(string Node, string Update)> ReadEventAsync(TimeSpan? timeout = null)
    {
        var message = await ReadUntilAsync("</message>", timeout);
        var start = message.LastIndexOf("<message", StringComparison.Ordinal);
        var element = XElement.Parse(message[start..]);
        XNamespace ev = "http://jabber.org/protocol/pubsub#event";
        XNamespace ps = "http://jabber.org/protocol/pubsub";
        var items = element.Element(ev + "event")!.Element(ev + "items")!;
        return ((string)items.Attribute("node")!, items.Element(ev + "item")!.Element(ps + "notification")!.Value);
    }

    /// <summary>Drops consumed text so long-running readers stay linear.</summary>
    private void Compact()
    {
        _received.Remove(0, _consumed);
        _consumed = 0;
    }

    public async ValueTask DisposeAsync()
    {
        _transcript?.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    [GeneratedRegex("<jid>([^<]+)</jid>")]
    private static partial Regex JidPattern();
}
