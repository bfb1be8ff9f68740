using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace MrdSimulator.Testing;

/// <summary>Reads <c>GET /notifications</c> (server-sent events) as a user would, one Update XML per event.</summary>
public sealed class NotificationStream : IAsyncDisposable
{
    private readonly Channel<string> _updates = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _pump;

    private NotificationStream(HttpResponseMessage response)
    {
        _response = response;
        _pump = PumpAsync();
    }

    /// <summary>Every event received so far, of any name, as a client assembles it.</summary>
    public ConcurrentQueue<SseEvent> Events { get; } = new();

    public static async Task<NotificationStream> OpenAsync(HttpClient client)
    {
        var response = await client.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var stream = new NotificationStream(response);
        return stream;
    }

    /// <summary>The next Update, or null if none arrives within <paramref name="timeout"/>.</summary>
    public async Task<string?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _updates.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>True once the server has ended the stream (or the connection broke) within <paramref name="timeout"/>.</summary>
    public async Task<bool> EndedAsync(TimeSpan timeout)
    {
        try
        {
            await _pump.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
        {
        }

        return true;
    }

    public async Task<List<string>> TakeAsync(int count, TimeSpan? timeout = null)
    {
        var items = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            items.Add(await NextAsync(timeout) ?? throw new TimeoutException($"only {i} of {count} Updates arrived"));
        }

        return items;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _pump;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in SseEvent.ReadAllAsync(await _response.Content.ReadAsStreamAsync(_stop.Token), _stop.Token))
            {
                Events.Enqueue(e);
                if (e.Name == "update")
                {
                    await _updates.Writer.WriteAsync(e.Data, _stop.Token);
                }
            }
        }
        finally
        {
            // Readers waiting for the next Update learn that none will come.
            _updates.Writer.TryComplete();
        }
    }
}

/// <summary>One server-sent event as a browser's EventSource dispatches it.</summary>
public sealed record SseEvent(string? Id, string Name, string Data)
{
    /// <summary>
    /// The WHATWG parsing rules: lines end at CRLF, CR or LF; one space after the colon is dropped; data lines are joined
    /// with LF; a blank line dispatches; comments and events without data are not dispatched.
    /// </summary>
    public static async IAsyncEnumerable<SseEvent> ReadAllAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string? id = null;
        string? name = null;
        StringBuilder? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    yield return new SseEvent(id, name ?? "message", data.ToString());
                }

                (name, data) = (null, null);
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            value = value.StartsWith(' ') ? value[1..] : value;
            switch (colon < 0 ? line : line[..colon])
            {
                case "data":
                    data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                    break;
                case "event":
                    name = value;
                    break;
                case "id":
                    id = value;
                    break;
            }
        }
    }
}
