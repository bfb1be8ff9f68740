using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections.Features;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// <c>GET /notifications</c>: the authenticated user's Updates as server-sent events, one event per Update
/// (<c>id</c> = per-stream sequence, <c>event: update</c>, one <c>data</c> line per line of the Update XML, which
/// a client joins with LF to get the XML back).
/// A reader that falls <see cref="SimulatorOptions.StreamQueueCapacity"/> Updates behind is disconnected
/// with an <c>event: overflow</c>, so it can never slow the grains or other readers; one that takes nothing at all for
/// <see cref="SimulatorOptions.StreamWriteTimeout"/> while a write waits is cut, so what it leaves unread stays within a
/// small send buffer. A user holds at most <see cref="SimulatorOptions.MaxSessionsPerUser"/> streams and XMPP sessions;
/// more get 429. A stream a fault cuts (docs/chaos.md) reports what the cut cost it: Updates still queued, and those
/// written just before the reset.
/// </summary>
public static class NotificationStreamApi
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>The kernel's send buffer for a stream (Linux doubles it): autotuning would let megabytes queue for a stalled reader.</summary>
    private const int SendBufferBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapNotificationStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", StreamAsync).RequireFinesseUser();
        return app;
    }

    private static async Task StreamAsync(HttpContext context, FinesseCaller caller, NotificationHub hub, NotificationRelay relay, SimulatorOptions options, UserSessionLimit sessions, ILoggerFactory loggers)
    {
        var userId = caller.User.Id;
        using var lease = sessions.TryAcquire(userId);
        if (lease is null)
        {
            await FinesseResults.WriteErrorAsync(context, new ApiError(StatusCodes.Status429TooManyRequests, "Too Many Requests", sessions.Refusal(userId), userId));
            return;
        }

        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.SendBufferSize = SendBufferBytes;
        }

        var inbox = new StreamInbox(options.StreamQueueCapacity);
        var trail = new DeliveryTrail();
        var cut = new StrongBox<SessionCut?>();

        // Registered before subscribing, so a cut that lands meanwhile still finds this stream.
        using var registration = context.RequestServices.GetService<SessionRegistry>()?.Register("sse", userId, how =>
        {
            Volatile.Write(ref cut.Value, how);
            context.Abort();
        });
        var subscriptions = NodeKey.AllFor(userId).Select(node => hub.Subscribe(node, inbox)).ToList();
        // Every write must be taken within StreamWriteTimeout; one that is not means the reader's buffers are full.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var response = context.Response;
        async Task WriteAsync(string? text, bool flush = false)
        {
            deadline.CancelAfter(options.StreamWriteTimeout);
            if (text is not null)
            {
                await response.WriteAsync(text, deadline.Token);
            }

            if (flush)
            {
                await response.Body.FlushAsync(deadline.Token);
            }

            deadline.CancelAfter(Timeout.InfiniteTimeSpan);
        }

        IDisposable? watch = null;
        try
        {
            // ": connected" is written once this process receives the user's Updates: nothing published after it is missed.
            watch = await relay.WatchAsync(userId, context.RequestAborted);
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync(": connected\n\n", flush: true);

            var sequence = 0L;
            var text = new StringBuilder(1024);
            using var heartbeat = new PeriodicTimer(Heartbeat);
            var reader = inbox.Reader;
            Task<bool>? waitForBeat = null;
            while (!context.RequestAborted.IsCancellationRequested)
            {
                // PeriodicTimer allows one waiter at a time, so an unfinished beat wait is carried over.
                waitForBeat ??= heartbeat.WaitForNextTickAsync(context.RequestAborted).AsTask();
                var waitForData = reader.WaitToReadAsync(context.RequestAborted).AsTask();
                if (await Task.WhenAny(waitForData, waitForBeat) == waitForBeat)
                {
                    waitForBeat = null;
                    await WriteAsync(": ping\n\n", flush: true);
                    continue;
                }

                if (!await waitForData)
                {
                    await WriteAsync("event: overflow\ndata: the reader fell too far behind and was disconnected\n\n");
                    return;
                }

                while (reader.TryRead(out var notification))
                {
                    trail.Written(notification);
                    text.Clear().Append("id: ").Append(++sequence).Append("\nevent: update\n");
                    AppendData(text, notification.UpdateXml);
                    text.Append('\n');
                    await WriteAsync(text.ToString());
                }

                await WriteAsync(null, flush: true);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The reader went away.
        }
        catch (OperationCanceledException)
        {
            // Nothing more can be written to a reader that takes nothing: cut the connection.
            loggers.CreateLogger(typeof(NotificationStreamApi)).LogWarning(
                "Notification stream of user {User} cut: the reader took nothing for {Timeout}", userId, options.StreamWriteTimeout);
            context.Abort();
        }
        finally
        {
            watch?.Dispose();
            subscriptions.ForEach(s => s.Dispose());
            if (Volatile.Read(ref cut.Value) is { Lost: { } lost })
            {
                // Unsubscribed, so nothing more arrives: what the inbox holds was never written, and what was
                // written just before the abort may not have left the server.
                while (inbox.Reader.TryRead(out var queued))
                {
                    lost("sse", userId, queued, null);
                }

                foreach (var (written, at) in trail.Recent())
                {
                    lost("sse", userId, written, at);
                }
            }
        }
    }

    /// <summary>
    /// One <c>data:</c> line per line of <paramref name="xml"/> (split at CRLF, CR or LF, as SSE ends lines), so a line
    /// break in a value a client chose (a call variable) can neither end the event nor start a field of its own.
    /// </summary>
    private static void AppendData(StringBuilder sb, string xml)
    {
        var rest = xml.AsSpan();
        while (true)
        {
            var end = rest.IndexOfAny('\r', '\n');
            sb.Append("data: ").Append(end < 0 ? rest : rest[..end]).Append('\n');
            if (end < 0)
            {
                return;
            }

            rest = rest[(rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? end + 2 : end + 1)..];
        }
    }

    /// <summary>A bounded inbox that completes itself on overflow instead of blocking the publisher.</summary>
    private sealed class StreamInbox(int capacity) : INotificationSink
    {
        private readonly Channel<Notification> _channel = Channel.CreateBounded<Notification>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public ChannelReader<Notification> Reader => _channel.Reader;

        public bool TryDeliver(Notification notification)
        {
            if (_channel.Writer.TryWrite(notification))
            {
                return true;
            }

            _channel.Writer.TryComplete();
            return false;
        }
    }
}
