using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MrdSimulator.Observability.Tests.Browsers;

/// <summary>
/// One W3C WebDriver BiDi connection: JSON commands carrying an id go out over a WebSocket, answers come back
/// with the same id, events (<c>{"type":"event"}</c>) arrive on the same socket in between. Only what the
/// dashboard tests need; see https://w3c.github.io/webdriver-bidi/.
/// </summary>
internal sealed class BidiSession : IAsyncDisposable
{
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private long _lastId;
    private volatile Exception? _closedBecause;

    private BidiSession(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Raised on the receive loop for every event: method (e.g. <c>log.entryAdded</c>) and params.</summary>
    public event Action<string, JsonElement>? EventReceived;

    /// <summary>Connects to <paramref name="endpoint"/> (Firefox: <c>ws://127.0.0.1:PORT/session</c>).</summary>
    public static async Task<BidiSession> ConnectAsync(Uri endpoint, TimeSpan timeout)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(endpoint, cancel.Token);
        }
        catch (Exception e)
        {
            socket.Dispose();
            throw new IOException($"Could not open the WebDriver BiDi WebSocket {endpoint} within {timeout.TotalSeconds:0} s: {e.Message}", e);
        }

        return new BidiSession(socket);
    }

    /// <summary>Sends one command and returns its <c>result</c>; a BiDi error or no answer in time throws.</summary>
    public async Task<JsonElement> SendAsync(string method, object parameters, TimeSpan? timeout = null)
    {
        var wait = timeout ?? DefaultCommandTimeout;
        var id = Interlocked.Increment(ref _lastId);
        var pending = new PendingCommand(method, new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[id] = pending;
        try
        {
            // Checked after registering, so a connection closing right now cannot leave this command waiting.
            if (_closedBecause is { } closed)
            {
                throw new IOException($"WebDriver BiDi command {method}: the connection is closed ({closed.Message})", closed);
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(new Command(id, method, parameters), Json);
            using (var sendTimeout = new CancellationTokenSource(wait))
            {
                // ClientWebSocket allows one send at a time.
                await _sendLock.WaitAsync(sendTimeout.Token);
                try
                {
                    await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, sendTimeout.Token);
                }
                finally
                {
                    _sendLock.Release();
                }
            }

            return await pending.Answer.Task.WaitAsync(wait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"WebDriver BiDi command {method} got no answer within {wait.TotalSeconds:0} s");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // The browser is going away anyway; the process is killed next.
            }
        }

        await _closing.CancelAsync();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _closing.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        Exception reason = new IOException("the browser closed the WebSocket");
        try
        {
            while (true)
            {
                // A message (a full-page screenshot is megabytes of base64) can span many frames.
                message.SetLength(0);
                ValueWebSocketReceiveResult frame;
                do
                {
                    frame = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token);
                    message.Write(buffer, 0, frame.Count);
                }
                while (!frame.EndOfMessage && frame.MessageType != WebSocketMessageType.Close);

                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                Dispatch(message.GetBuffer().AsMemory(0, (int)message.Length));
            }
        }
        catch (OperationCanceledException)
        {
            reason = new IOException("the session was disposed");
        }
        catch (Exception e) when (e is WebSocketException or IOException or JsonException)
        {
            reason = e;
        }

        _closedBecause = reason;
        foreach (var (_, pending) in _pending)
        {
            pending.Answer.TrySetException(new IOException($"WebDriver BiDi command {pending.Method}: {reason.Message}", reason));
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "event")
        {
            EventReceived?.Invoke(root.GetProperty("method").GetString()!, root.GetProperty("params").Clone());
            return;
        }

        if (!root.TryGetProperty("id", out var idProperty) || idProperty.ValueKind != JsonValueKind.Number
            || !_pending.TryGetValue(idProperty.GetInt64(), out var pending))
        {
            return; // An error not tied to a command (malformed message) or an answer that timed out.
        }

        if (type == "success")
        {
            pending.Answer.TrySetResult(root.GetProperty("result").Clone());
        }
        else
        {
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : type;
            var text = root.TryGetProperty("message", out var m) ? m.GetString() : root.GetRawText();
            pending.Answer.TrySetException(new InvalidOperationException($"WebDriver BiDi command {pending.Method} failed: {error}: {text}"));
        }
    }

    private sealed record Command(long Id, string Method, [property: JsonPropertyName("params")] object Parameters);

    private sealed record PendingCommand(string Method, TaskCompletionSource<JsonElement> Answer);
}
