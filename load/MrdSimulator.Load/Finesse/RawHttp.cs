using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MrdSimulator.Load.Finesse;

/// <summary>
/// A lean HTTP/1.1 client for plain-http targets, in the spirit of wrk: keep-alive connections from a pool, each
/// request serialised into the connection's own buffer (no per-request objects), the response parsed in place
/// (status line, Content-Length or chunked body, Connection: close). No redirects, no compression, no TLS —
/// https targets use <see cref="SocketsHttpHandler"/> instead.
/// </summary>
internal sealed class RawHttpClient : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly ConcurrentBag<Connection> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly EndPoint _endPoint;
    private readonly byte[] _hostHeader;
    private volatile bool _disposed;

    public RawHttpClient(Uri baseUrl, int maxConnections)
    {
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _endPoint = IPAddress.TryParse(baseUrl.Host, out var ip)
            ? new IPEndPoint(ip, baseUrl.Port)
            : new DnsEndPoint(baseUrl.Host, baseUrl.Port);
        _hostHeader = Encoding.ASCII.GetBytes($"Host: {baseUrl.Authority}\r\n");
    }

    public readonly record struct Request(
        string Method, string PathAndQuery, string? Authorization, string? RequestId, ReadOnlyMemory<byte> Body, string? ContentType);

    /// <summary>Sends the request and reads the whole response; returns the status and the bytes received.</summary>
    public async ValueTask<(int Status, long Received)> SendAsync(Request request, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var reused = _idle.TryTake(out var connection);
                connection ??= await ConnectAsync(cancellationToken);
                try
                {
                    var result = await connection.ExchangeAsync(request, _hostHeader, cancellationToken);
                    if (result.KeepAlive && !_disposed)
                    {
                        _idle.Add(connection);
                    }
                    else
                    {
                        connection.Dispose();
                    }

                    return (result.Status, result.Received);
                }
                catch (Exception ex) when (reused && attempt == 0 && ex is IOException or SocketException && !connection.ResponseStarted)
                {
                    // The server closed an idle keep-alive connection: retry once on a fresh one.
                    connection.Dispose();
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async ValueTask<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_endPoint, cancellationToken);
            return new Connection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var c))
        {
            c.Dispose();
        }

        _slots.Dispose();
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        private readonly byte[] _write = new byte[BufferSize];
        private readonly byte[] _read = new byte[BufferSize];
        private int _start;
        private int _end;

        public bool ResponseStarted { get; private set; }

        public async ValueTask<(int Status, long Received, bool KeepAlive)> ExchangeAsync(Request r, byte[] hostHeader, CancellationToken ct)
        {
            ResponseStarted = false;
            var length = Serialize(r, hostHeader);
            var sent = 0;
            while (sent < length)
            {
                sent += await socket.SendAsync(_write.AsMemory(sent, length - sent), SocketFlags.None, ct);
            }

            if (r.Body.Length > 0 && length + r.Body.Length > _write.Length)
            {
                var body = r.Body;
                while (!body.IsEmpty)
                {
                    var n = await socket.SendAsync(body, SocketFlags.None, ct);
                    body = body[n..];
                }
            }

            _start = 0;
            _end = 0;
            int headerEnd;
            while ((headerEnd = _read.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
            {
                if (_end == _read.Length)
                {
                    throw new IOException("response headers larger than 16 KB");
                }

                await FillAsync(ct);
            }

            var headers = _read.AsSpan(_start, headerEnd);
            var (status, contentLength, chunked, close) = ParseHeaders(headers);
            long received = headerEnd + HeaderEnd.Length;
            _start += headerEnd + HeaderEnd.Length;

            if (chunked)
            {
                received += await SkipChunkedAsync(ct);
            }
            else if (contentLength > 0)
            {
                await SkipAsync(contentLength, ct);
                received += contentLength;
            }
            else if (contentLength < 0 && !chunked && status is not (204 or 304) && status >= 200)
            {
                // No length: the body runs to the end of the connection.
                close = true;
                try
                {
                    while (true)
                    {
                        _start = _end = 0;
                        await FillAsync(ct);
                        received += _end;
                    }
                }
                catch (IOException)
                {
                }
            }

            return (status, received, !close);
        }

        private int Serialize(Request r, byte[] hostHeader)
        {
            var span = _write.AsSpan();
            var p = 0;
            p += Encoding.ASCII.GetBytes(r.Method, span[p..]);
            span[p++] = (byte)' ';
            p += Encoding.ASCII.GetBytes(r.PathAndQuery, span[p..]);
            " HTTP/1.1\r\n"u8.CopyTo(span[p..]);
            p += 11;
            hostHeader.CopyTo(span[p..]);
            p += hostHeader.Length;
            if (r.Authorization is not null)
            {
                p += Header("Authorization: "u8, r.Authorization, span[p..]);
            }

            if (r.RequestId is not null)
            {
                p += Header("requestId: "u8, r.RequestId, span[p..]);
            }

            if (r.ContentType is not null && r.Body.Length > 0)
            {
                p += Header("Content-Type: "u8, r.ContentType, span[p..]);
            }

            "Content-Length: "u8.CopyTo(span[p..]);
            p += 16;
            Utf8Formatter.TryFormat(r.Body.Length, span[p..], out var digits);
            p += digits;
            "\r\n\r\n"u8.CopyTo(span[p..]);
            p += 4;
            if (r.Body.Length > 0 && p + r.Body.Length <= span.Length)
            {
                r.Body.Span.CopyTo(span[p..]);
                p += r.Body.Length;
            }

            return p;
        }

        private static int Header(ReadOnlySpan<byte> name, string value, Span<byte> span)
        {
            name.CopyTo(span);
            var p = name.Length;
            p += Encoding.ASCII.GetBytes(value, span[p..]);
            span[p++] = (byte)'\r';
            span[p++] = (byte)'\n';
            return p;
        }

        private static (int Status, long ContentLength, bool Chunked, bool Close) ParseHeaders(ReadOnlySpan<byte> headers)
        {
            // "HTTP/1.1 202 Accepted"
            if (headers.Length < 12 || !headers.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(headers.Slice(9, 3), out int status, out _))
            {
                throw new IOException("malformed HTTP status line");
            }

            long contentLength = -1;
            var chunked = false;
            var close = headers[7] == (byte)'0'; // HTTP/1.0 closes by default
            var rest = headers;
            var eol = rest.IndexOf("\r\n"u8);
            rest = eol < 0 ? [] : rest[(eol + 2)..];
            while (!rest.IsEmpty)
            {
                eol = rest.IndexOf("\r\n"u8);
                var line = eol < 0 ? rest : rest[..eol];
                rest = eol < 0 ? [] : rest[(eol + 2)..];
                var colon = line.IndexOf((byte)':');
                if (colon <= 0)
                {
                    continue;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    if (!Utf8Parser.TryParse(value, out contentLength, out _))
                    {
                        throw new IOException("malformed Content-Length");
                    }
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    chunked = value.IndexOf("chunked"u8) >= 0;
                }
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    close = Ascii.EqualsIgnoreCase(value, "close"u8) || (close && !Ascii.EqualsIgnoreCase(value, "keep-alive"u8));
                }
            }

            if (status is 204 or 304 || status < 200)
            {
                contentLength = 0;
            }

            return (status, contentLength, chunked, close);
        }

        /// <summary>Discards <paramref name="count"/> body bytes: the driver times responses, it does not keep them.</summary>
        private async ValueTask SkipAsync(long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (_start == _end)
                {
                    _start = _end = 0;
                    await FillAsync(ct);
                }

                var take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        private async ValueTask<long> SkipChunkedAsync(CancellationToken ct)
        {
            long total = 0;
            while (true)
            {
                var line = await ReadLineAsync(ct);
                total += line.Length + 2;
                var semi = Array.IndexOf(line, (byte)';');
                var hex = semi >= 0 ? line.AsSpan(0, semi) : line.AsSpan();
                if (!Utf8Parser.TryParse(hex.Trim((byte)' '), out long size, out _, 'X'))
                {
                    throw new IOException("malformed chunk size");
                }

                if (size == 0)
                {
                    // Trailers until an empty line.
                    while ((line = await ReadLineAsync(ct)).Length > 0)
                    {
                        total += line.Length + 2;
                    }

                    return total + 2;
                }

                await SkipAsync(size + 2, ct); // data + CRLF
                total += size + 2;
            }
        }

        private async ValueTask<byte[]> ReadLineAsync(CancellationToken ct)
        {
            int eol;
            while ((eol = _read.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                if (_start > 0)
                {
                    Array.Copy(_read, _start, _read, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                else if (_end == _read.Length)
                {
                    throw new IOException("chunk header line longer than 16 KB");
                }

                await FillAsync(ct);
            }

            var line = _read.AsSpan(_start, eol).ToArray();
            _start += eol + 2;
            return line;
        }

        private async ValueTask FillAsync(CancellationToken ct)
        {
            if (_end == _read.Length)
            {
                return;
            }

            var n = await socket.ReceiveAsync(_read.AsMemory(_end), SocketFlags.None, ct);
            if (n == 0)
            {
                throw new IOException("connection closed by the server");
            }

            ResponseStarted = true;
            _end += n;
        }

        public void Dispose() => socket.Dispose();
    }
}
