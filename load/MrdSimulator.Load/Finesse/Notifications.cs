using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace MrdSimulator.Load.Finesse;

/// <summary>
/// Where notifications come from. One subscription per user carries all of that user's nodes.
/// Server-sent events now; an XMPP source (pubsub over a socket) can implement the same interface later.
/// </summary>
public interface INotificationSource : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Opens the user's stream; completes once it is established (idempotent per user).</summary>
    Task SubscribeAsync(string userId, string password, CancellationToken cancellationToken);
}

/// <summary>
/// Server-sent events: <c>GET /notifications</c> with Basic auth; events are
/// <c>id: n / event: update / data: &lt;Update&gt;…&lt;/Update&gt;</c> (one data line per line of the XML, joined
/// with LF), comment lines are heartbeats.
/// Reconnects with <c>Last-Event-ID</c> when a stream drops.
/// </summary>
public sealed class SseNotificationSource : INotificationSource
{
    private readonly HttpClient _client;
    private readonly INotificationSink _sink;
    private readonly string _path;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _streams = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _loops = [];
    private long _events;
    private long _reconnects;

    public SseNotificationSource(Uri baseUrl, INotificationSink sink, string path = "/notifications")
    {
        _sink = sink;
        _path = path;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        _client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Name => "sse";

    public long Events => Interlocked.Read(ref _events);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public Task SubscribeAsync(string userId, string password, CancellationToken cancellationToken) =>
        _streams.GetOrAdd(userId, id => new Lazy<Task>(() => StartAsync(id, password, cancellationToken))).Value;

    private async Task StartAsync(string userId, string password, CancellationToken cancellationToken)
    {
        var auth = AgentMedia.Basic(userId, password);
        var response = await ConnectAsync(userId, auth, null, cancellationToken);
        _loops.Add(Task.Run(() => ReadLoopAsync(userId, auth, response), CancellationToken.None));
    }

    private async Task<HttpResponseMessage> ConnectAsync(string userId, AuthenticationHeaderValue auth, string? lastEventId, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        linked.CancelAfter(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, _path);
        request.Headers.Authorization = auth;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new HttpRequestException(
                $"notification stream for user {userId} refused: HTTP {status} from GET {new Uri(_client.BaseAddress!, _path)}",
                null,
                response.StatusCode);
        }

        return response;
    }

    private async Task ReadLoopAsync(string userId, AuthenticationHeaderValue auth, HttpResponseMessage response)
    {
        string? lastEventId = null;
        var data = new StringBuilder();
        string? eventName = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using (response)
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
                    using var reader = new StreamReader(stream, Encoding.UTF8);
                    while (await reader.ReadLineAsync(_stop.Token) is { } line)
                    {
                        if (line.Length == 0)
                        {
                            if (data.Length > 0 && (eventName is null || eventName == "update"))
                            {
                                Dispatch(userId, data.ToString());
                            }

                            data.Clear();
                            eventName = null;
                            continue;
                        }

                        if (line[0] == ':')
                        {
                            continue; // heartbeat
                        }

                        var colon = line.IndexOf(':', StringComparison.Ordinal);
                        var field = colon < 0 ? line : line[..colon];
                        // One space after the colon is dropped, no more (SSE): a data line of an Update may start with spaces.
                        var value = colon < 0 ? "" : line.AsSpan(colon + 1) is [' ', .. var rest] ? rest.ToString() : line[(colon + 1)..];
                        switch (field)
                        {
                            case "data":
                                if (data.Length > 0)
                                {
                                    data.Append('\n');
                                }

                                data.Append(value);
                                break;
                            case "event":
                                eventName = value;
                                break;
                            case "id":
                                lastEventId = value;
                                break;
                        }
                    }
                }

                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                _sink.OnTransportEvent(userId, "notification stream closed by the server; reconnecting");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                _sink.OnTransportEvent(userId, $"notification stream broke ({ex.Message}); reconnecting");
            }

            data.Clear();
            eventName = null;
            response = null!;
            // Keep trying as a real client would (a Finesse outage can last minutes), backing off to 2 s.
            var delay = TimeSpan.FromMilliseconds(200);
            while (!_stop.IsCancellationRequested && response is null)
            {
                try
                {
                    await Task.Delay(delay, _stop.Token);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
                    Interlocked.Increment(ref _reconnects);
                    response = await ConnectAsync(userId, auth, lastEventId, CancellationToken.None);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    _sink.OnTransportEvent(userId, $"reconnect failed: {ex.Message}");
                }
            }

            if (response is null)
            {
                return; // the run is stopping
            }
        }
    }

    private void Dispatch(string userId, string xml)
    {
        var received = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _events);
        FinesseUpdate? update;
        try
        {
            update = FinesseUpdate.Parse(xml);
        }
        catch (System.Xml.XmlException ex)
        {
            _sink.OnTransportEvent(userId, $"unparsable notification: {ex.Message}");
            return;
        }

        if (update is not null)
        {
            _sink.OnNotification(update, received);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _client.Dispose();
        _stop.Dispose();
    }
}
