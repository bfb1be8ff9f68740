using System.Threading.Channels;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

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
        catch (OperationCanceledException)
        {
            return null;
        }
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
        using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
        var eventName = string.Empty;
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "update")
            {
                await _updates.Writer.WriteAsync(line[6..], _stop.Token);
            }
        }
    }
}
