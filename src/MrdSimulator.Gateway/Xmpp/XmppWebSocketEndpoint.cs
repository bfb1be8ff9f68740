using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Xml;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// RFC 7395 XMPP over WebSocket (subprotocol <c>xmpp</c>): each message is one element — <c>&lt;open/&gt;</c>,
/// a stanza, or <c>&lt;close/&gt;</c> — parsed on its own; each queued item goes out as one message. A stream ends
/// as §3.6 says: what is queued (a stream error included), one <c>&lt;close/&gt;</c>, a close frame with 1000, then
/// the client's close frame is awaited and the TCP connection closed in order — a reset would discard what was sent.
/// </summary>
internal static class XmppWebSocketEndpoint
{
    public const string SubProtocol = "xmpp";

    /// <summary>How long a client has to answer the close frame before the connection is dropped anyway.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    public static async Task HandleAsync(HttpContext context, XmppServer server, ILogger<XmppServer> logger)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "websocket";
            return;
        }

        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol, StringComparer.OrdinalIgnoreCase))
        {
            // RFC 7395 §3.2: the xmpp subprotocol is mandatory.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var loopback = context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);
        var secure = context.Request.IsHttps;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = SubProtocol });
        var session = server.Admit(WebSocketFraming.Instance, secure, loopback, tlsAvailable: false);
        if (session is null)
        {
            await RefuseAsync(socket, server);
            return;
        }

        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            var reader = ReadLoopAsync(socket, session, server, logger, stopReading.Token);
            await WriteLoopAsync(socket, session);
            if (session.ResetRequested)
            {
                // Chaos reset: the connection is aborted, as when a server dies (docs/chaos.md).
                context.Abort();
                await reader;
                return;
            }

            try
            {
                using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }

                // The reader ends when the client's close frame arrives.
                await reader.WaitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException or IOException)
            {
                // The client did not finish the closing handshake in time, or went away.
            }

            await stopReading.CancelAsync();
            await reader;
        }
        finally
        {
            session.Detach();
        }
    }

    private static async Task RefuseAsync(WebSocket socket, XmppServer server)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            foreach (var text in new[]
            {
                WebSocketFraming.Instance.Open("refused", server.Domain),
                XmppFraming.Error("resource-constraint", $"the server accepts at most {server.Options.MaxConnections} connections"),
                WebSocketFraming.Instance.Close,
            })
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "connection limit", timeout.Token);

            // Closing with the client's close frame unread would reset the connection and could lose the error.
            var rest = new byte[1024];
            while ((await socket.ReceiveAsync(rest.AsMemory(), timeout.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client left first.
        }
    }

    /// <summary>
    /// Feeds the session until the client's close frame. Once the stream is closing (the client's or the server's
    /// <c>&lt;close/&gt;</c>, a stream error) messages are only read past, so the closing handshake can complete.
    /// </summary>
    private static async Task ReadLoopAsync(WebSocket socket, XmppSession session, XmppServer server, ILogger logger, CancellationToken aborted)
    {
        await Task.Yield();
        var max = server.Options.MaxStanzaBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max, 8192) + 1);
        var scope = XmlIn.Scope(Ns.Client);
        try
        {
            while (true)
            {
                try
                {
                    var length = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        if (length == buffer.Length)
                        {
                            if (length > max)
                            {
                                throw XmppStreamException.PolicyViolation($"message larger than {max} bytes");
                            }

                            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                            buffer.AsSpan(0, length).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(length), aborted);
                        length += result.Count;
                        if (length > max && !session.Closing)
                        {
                            throw XmppStreamException.PolicyViolation($"message larger than {max} bytes");
                        }

                        length = session.Closing ? 0 : length;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        session.Close();
                        return;
                    }

                    if (session.Closing)
                    {
                        continue;
                    }

                    if (result.MessageType != WebSocketMessageType.Text)
                    {
                        // RFC 7395 §3.3.3: binary messages are not XMPP.
                        throw XmppStreamException.NotWellFormed("binary WebSocket messages are not allowed");
                    }

                    session.Touch();
                    if (buffer.AsSpan(0, length).Trim(" \t\r\n"u8).IsEmpty)
                    {
                        continue; // whitespace keep-alive
                    }

                    var element = XmlIn.Parse(buffer.AsMemory(0, length), scope);
                    if (element.Name.NamespaceName == Ns.Framing)
                    {
                        switch (element.Name.LocalName)
                        {
                            case "open":
                                session.RestartPending = false;
                                session.OnStreamOpen((string?)element.Attribute("to"), (string?)element.Attribute("version"));
                                continue;
                            case "close":
                                session.OnStreamClose();
                                continue;
                        }
                    }

                    session.OnElement(element);
                }
                catch (XmppStreamException ex)
                {
                    session.Close(ex.Condition, ex.Message);
                }
                catch (XmlException ex)
                {
                    session.Close("not-well-formed", ex.Message);
                }
                catch (Exception ex) when (ex is not (WebSocketException or OperationCanceledException or ObjectDisposedException or IOException))
                {
                    logger.LogError(ex, "XMPP WebSocket session failed");
                    session.Close("internal-server-error", "the server failed to process a stanza");
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            session.Close();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteLoopAsync(WebSocket socket, XmppSession session)
    {
        var reader = session.Outbound;
        var abort = session.AbortToken;
        try
        {
            while (await reader.WaitToReadAsync(abort))
            {
                while (reader.TryRead(out var item))
                {
                    await SendAsync(socket, session.Render(item), abort);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Aborted: queued items are dropped for the stream error below.
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            session.Abort("internal-server-error", "write failed");
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            foreach (var text in session.TakeAbortItems())
            {
                await SendAsync(socket, text, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client is not reading.
        }
    }

    private static async Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
