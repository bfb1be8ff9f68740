using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Xml.Linq;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// One RFC 6120 client connection over TCP: a reader that scans the byte stream into stanzas and feeds the
/// session, and a writer that drains the session's queue in batches. Idle connections hold no read buffer
/// (zero-byte reads) so ten thousand of them stay cheap.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "RunAsync disposes the stream when the connection ends.")]
internal sealed class XmppTcpConnection(XmppServer server, Socket socket, ILogger logger)
{
    private const int ReadSize = 4096;
    private static readonly TimeSpan FinalWriteTimeout = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource _tlsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stream _stream = new NetworkStream(socket, ownsSocket: true);

    public async Task RunAsync(CancellationToken stopping)
    {
        var loopback = socket.RemoteEndPoint is IPEndPoint remote && IPAddress.IsLoopback(remote.Address);
        var session = server.Admit(TcpFraming.Instance, secure: false, loopback, tlsAvailable: server.Certificate is not null);
        if (session is null)
        {
            await RefuseAsync();
            return;
        }

        try
        {
            var reader = ReadLoopAsync(session, stopping);
            await WriteLoopAsync(session);
            if (session.ResetRequested)
            {
                // Chaos reset: a close with linger 0 aborts the connection with an RST, discarding what the socket
                // still buffers, as when a server process dies (Close(0): .NET's plain dispose would close gracefully).
                socket.Close(0);
                await _stream.DisposeAsync();
                await reader;
                return;
            }

            // Our stream is closed: send FIN and give the client a moment to close its side, so the last
            // bytes (a stream error) are not lost to a reset.
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }

            await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            await _stream.DisposeAsync();
            await reader;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "XMPP TCP connection failed");
            await _stream.DisposeAsync();
        }
        finally
        {
            session.Detach();
        }
    }

    private async Task RefuseAsync()
    {
        var text = TcpFraming.Instance.Open("refused", server.Domain)
            + XmppFraming.Error("resource-constraint", $"the server accepts at most {server.Options.MaxConnections} connections")
            + TcpFraming.Instance.Close;
        try
        {
            using var timeout = new CancellationTokenSource(FinalWriteTimeout);
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
            await Task.Delay(200, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first.
        }
        finally
        {
            await _stream.DisposeAsync();
        }
    }

    private async Task ReadLoopAsync(XmppSession session, CancellationToken stopping)
    {
        await Task.Yield();
        var scanner = new XmppStreamScanner(server.Options.MaxStanzaBytes);
        try
        {
            while (true)
            {
                var stream = _stream;

                // Wait for data without holding a buffer, then read what arrived.
                _ = await stream.ReadAsync(Memory<byte>.Empty, stopping);
                var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), stopping);
                    if (read > 0)
                    {
                        scanner.Append(buffer.AsSpan(0, read));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                if (read == 0)
                {
                    session.Close();
                    return;
                }

                session.Touch();
                if (!Drain(session, scanner))
                {
                    return;
                }

                if (session.TlsRequested)
                {
                    session.TlsRequested = false;
                    await _tlsDone.Task;
                    scanner.Dispose();
                    scanner = new XmppStreamScanner(server.Options.MaxStanzaBytes);
                }
            }
        }
        catch (XmppStreamException ex)
        {
            session.Close(ex.Condition, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or AuthenticationException)
        {
            session.Close(stopping.IsCancellationRequested ? "system-shutdown" : null);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "XMPP session failed");
            session.Close("internal-server-error", "the server failed to process a stanza");
        }
        finally
        {
            scanner.Dispose();
        }
    }

    /// <summary>Hands every complete item to the session; false when the stream ended.</summary>
    private static bool Drain(XmppSession session, XmppStreamScanner scanner)
    {
        while (!session.Closing)
        {
            switch (scanner.Next(out var element))
            {
                case ScanResult.NeedMore:
                    return true;
                case ScanResult.StreamOpen:
                    var (to, version) = ReadHeader(session, element);
                    session.OnStreamOpen(to, version);
                    break;
                case ScanResult.Stanza:
                    session.OnElement(XmlIn.Parse(element, session.Scope));
                    break;
                case ScanResult.StreamClose:
                    session.OnStreamClose();
                    return false;
            }

            if (session.RestartPending)
            {
                session.RestartPending = false;
                scanner.Reset();
            }

            if (session.TlsRequested)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses the opening tag (closed artificially) and checks its namespaces (RFC 6120 §4.8).</summary>
    private static (string? To, string? Version) ReadHeader(XmppSession session, ReadOnlyMemory<byte> tag)
    {
        var span = tag.Span;
        var nameEnd = span[1..].IndexOfAny(XmppStreamScanner.NameEnd) + 1;
        var qname = Encoding.UTF8.GetString(span[1..nameEnd]);
        var text = new byte[tag.Length + qname.Length + 3];
        span.CopyTo(text);
        Encoding.UTF8.GetBytes("</" + qname + ">", text.AsSpan(tag.Length));
        var header = XmlIn.Parse(text, null);
        if (header.Name != XName.Get("stream", Ns.Streams))
        {
            throw new XmppStreamException("invalid-namespace", "expected <stream:stream> in " + Ns.Streams);
        }

        if (header.GetDefaultNamespace().NamespaceName != Ns.Client)
        {
            throw new XmppStreamException("invalid-namespace", "the default namespace must be " + Ns.Client);
        }

        session.Scope = XmlIn.Scope(Ns.Client, header.Attributes()
            .Where(a => a.IsNamespaceDeclaration && a.Name.Namespace == XNamespace.Xmlns)
            .Select(a => new KeyValuePair<string, string>(a.Name.LocalName, a.Value)));
        return ((string?)header.Attribute("to"), (string?)header.Attribute("version"));
    }

    private async Task WriteLoopAsync(XmppSession session)
    {
        var reader = session.Outbound;
        var abort = session.AbortToken;
        try
        {
            while (await reader.WaitToReadAsync(abort))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                var length = 0;
                try
                {
                    while (reader.TryRead(out var item))
                    {
                        if (ReferenceEquals(item, XmppSession.StartTlsMarker))
                        {
                            await _stream.WriteAsync(buffer.AsMemory(0, length), abort);
                            length = 0;
                            await StartTlsAsync(session, abort);
                            continue;
                        }

                        var text = session.Render(item);
                        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
                        if (length + max > buffer.Length)
                        {
                            if (length > 0)
                            {
                                await _stream.WriteAsync(buffer.AsMemory(0, length), abort);
                                length = 0;
                            }

                            if (max > buffer.Length)
                            {
                                ArrayPool<byte>.Shared.Return(buffer);
                                buffer = ArrayPool<byte>.Shared.Rent(max);
                            }
                        }

                        length += Encoding.UTF8.GetBytes(text, buffer.AsSpan(length));
                    }

                    if (length > 0)
                    {
                        await _stream.WriteAsync(buffer.AsMemory(0, length), abort);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Aborted: what was queued is dropped; the stream error below goes out instead.
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            session.Abort("internal-server-error", "write failed");
            _tlsDone.TrySetException(ex);
            return;
        }

        var final = string.Concat(session.TakeAbortItems());
        if (final.Length > 0)
        {
            try
            {
                using var timeout = new CancellationTokenSource(FinalWriteTimeout);
                await _stream.WriteAsync(Encoding.UTF8.GetBytes(final), timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client is not reading at all; the connection is closed without the error.
            }
        }

        _tlsDone.TrySetCanceled();
    }

    private async Task StartTlsAsync(XmppSession session, CancellationToken abort)
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = server.Certificate }, timeout.Token);
        _stream = tls;
        session.Secure = true;
        _tlsDone.TrySetResult();
    }
}
