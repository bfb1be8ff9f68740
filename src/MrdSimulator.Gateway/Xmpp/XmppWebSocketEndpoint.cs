using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Xml;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// RFC 7395 XMPP over WebSocket (subprotocol <c>xmpp</c>): each message is one element — <c>&lt;open/&gt;</c>,
/// a stanza, or <c>&lt;close/&gt;</c> — parsed on its own; each queued item goes out as one message.
/// </summary>
internal static class XmppWebSocketEndpoint
{
    public const string SubProtocol = "xmpp";

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

        try
        {
            var reader = ReadLoopAsync(socket, session, server, logger, context.RequestAborted);
            await WriteLoopAsync(socket, session);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(1)));
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The client went away.
            }

            socket.Abort();
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
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client left first.
        }
    }

    private static async Task ReadLoopAsync(WebSocket socket, XmppSession session, XmppServer server, ILogger logger, CancellationToken aborted)
    {
        await Task.Yield();
        var max = server.Options.MaxStanzaBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max, 8192) + 1);
        var scope = XmlIn.Scope(Ns.Client);
        try
        {
            while (!session.Closing)
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
                    if (length > max)
                    {
                        throw XmppStreamException.PolicyViolation($"message larger than {max} bytes");
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    session.Close();
                    return;
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
                            return;
                    }
                }

                session.OnElement(element);
            }
        }
        catch (XmppStreamException ex)
        {
            session.Close(ex.Condition, ex.Message);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            session.Close();
        }
        catch (XmlException ex)
        {
            session.Close("not-well-formed", ex.Message);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "XMPP WebSocket session failed");
            session.Close("internal-server-error", "the server failed to process a stanza");
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
