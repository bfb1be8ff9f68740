using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Grains.Notifications;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// <c>GET /notifications</c>: the authenticated user's Updates as server-sent events, one event per Update
/// (<c>id</c> = per-stream sequence, <c>event: update</c>, one <c>data</c> line per line of the Update XML, which
/// a client joins with LF to get the XML back).
/// A reader that falls <see cref="SimulatorOptions.StreamQueueCapacity"/> Updates behind is disconnected
/// with an <c>event: overflow</c>, so it can never slow the grains or other readers. A stream a fault cuts
/// (docs/chaos.md) reports what the cut cost it: Updates still queued, and those written just before the reset.
/// </summary>
public static class NotificationStreamApi
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapNotificationStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", StreamAsync).RequireFinesseUser();
        return app;
    }

    private static async Task StreamAsync(HttpContext context, FinesseCaller caller, NotificationHub hub, SimulatorOptions options)
    {
        var inbox = new StreamInbox(options.StreamQueueCapacity);
        var userId = caller.User.Id;
        var trail = new DeliveryTrail();
        var cut = new StrongBox<SessionCut?>();

        // Registered before subscribing, so a cut that lands meanwhile still finds this stream.
        using var registration = context.RequestServices.GetService<SessionRegistry>()?.Register("sse", userId, how =>
        {
            Volatile.Write(ref cut.Value, how);
            context.Abort();
        });
        var subscriptions = NodeKey.AllFor(userId).Select(node => hub.Subscribe(node, inbox)).ToList();
        try
        {
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.WriteAsync(": connected\n\n", context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);

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
                    await response.WriteAsync(": ping\n\n", context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    continue;
                }

                if (!await waitForData)
                {
                    await response.WriteAsync("event: overflow\ndata: the reader fell too far behind and was disconnected\n\n", context.RequestAborted);
                    return;
                }

                while (reader.TryRead(out var notification))
                {
                    trail.Written(notification);
                    text.Clear().Append("id: ").Append(++sequence).Append("\nevent: update\n");
                    AppendData(text, notification.UpdateXml);
                    text.Append('\n');
                    await response.WriteAsync(text.ToString(), context.RequestAborted);
                }

                await response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The reader went away.
        }
        finally
        {
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
