using System.Net.Sockets;
using System.Text;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>HTTP/1.1 over a raw socket, for what HttpClient will not send: broken chunk framing, bodies that stall, raw header bytes.</summary>
public static class RawHttp
{
    public sealed record Response(int Status, string Head, string Body);

    /// <summary>
    /// Sends <paramref name="head"/> (request line and headers; <c>Connection: close</c> is added) then each of
    /// <paramref name="bodyParts"/>, and reads the response until the server closes the connection.
    /// </summary>
    public static async Task<Response> SendAsync(Uri baseUrl, string head, params byte[][] bodyParts) =>
        await SendAsync(baseUrl, Encoding.UTF8.GetBytes(head), TimeSpan.FromSeconds(30), bodyParts);

    public static async Task<Response> SendAsync(Uri baseUrl, byte[] head, TimeSpan timeout, params byte[][] bodyParts)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUrl.Host, baseUrl.Port);
        var stream = tcp.GetStream();
        using var cts = new CancellationTokenSource(timeout);
        var reading = ReadAllAsync(stream, cts.Token);
        try
        {
            await stream.WriteAsync(head);
            await stream.WriteAsync("Connection: close\r\n\r\n"u8.ToArray());
            foreach (var part in bodyParts)
            {
                await stream.WriteAsync(part);
            }
        }
        catch (IOException)
        {
            // The server answered and closed before taking all of the body.
        }

        return Parse(await reading);
    }

    /// <summary>A chunked body: each part as one chunk, then the last chunk.</summary>
    public static byte[] Chunked(params byte[][] parts)
    {
        var body = new MemoryStream();
        foreach (var part in parts)
        {
            body.Write(Encoding.ASCII.GetBytes($"{part.Length:x}\r\n"));
            body.Write(part);
            body.Write("\r\n"u8);
        }

        body.Write("0\r\n\r\n"u8);
        return body.ToArray();
    }

    private static async Task<byte[]> ReadAllAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // Reset after the response: what arrived is what counts.
        }

        return received.ToArray();
    }

    private static Response Parse(byte[] bytes)
    {
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidDataException("no complete response: " + Encoding.UTF8.GetString(bytes));
        }

        var head = Encoding.ASCII.GetString(bytes, 0, end);
        var body = bytes.AsSpan(end + 4);
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new MemoryStream();
            while (true)
            {
                var lineEnd = body.IndexOf("\r\n"u8);
                var size = Convert.ToInt32(Encoding.ASCII.GetString(body[..lineEnd]), 16);
                if (size == 0)
                {
                    break;
                }

                decoded.Write(body.Slice(lineEnd + 2, size));
                body = body[(lineEnd + 2 + size + 2)..];
            }

            body = decoded.ToArray();
        }

        return new Response(int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, Encoding.UTF8.GetString(body));
    }
}
