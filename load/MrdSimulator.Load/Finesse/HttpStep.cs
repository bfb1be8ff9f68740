using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse;

/// <summary>Sends one HTTP request as a timed step and classifies its outcome.</summary>
public static class HttpStep
{
    public static HttpClient CreateClient(Uri baseUrl, int maxConnections, TimeSpan requestTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        return new HttpClient(handler) { BaseAddress = baseUrl, Timeout = requestTimeout };
    }

    /// <summary>
    /// Sends <paramref name="request"/>, records latency from <paramref name="startTicks"/> into <paramref name="step"/>
    /// and returns the HTTP status, or a negative <see cref="StatusCodes"/> value for timeouts and errors.
    /// </summary>
    public static async ValueTask<int> SendAsync(
        HttpClient client, HttpRequestMessage request, StepRecorder step, long startTicks, int expectedStatus, long bytesSent, CancellationToken cancellationToken)
    {
        int status;
        long received = 0;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            if (response.Content.Headers.ContentLength is not 0)
            {
                received = await DrainAsync(response.Content, cancellationToken);
            }
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested || ex.InnerException is TimeoutException)
        {
            status = StatusCodes.Timeout;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            status = StatusCodes.ConnectionError;
        }
        catch (Exception)
        {
            status = StatusCodes.Exception;
        }

        step.Record(status == expectedStatus, status, Stopwatch.GetTimestamp() - startTicks, bytesSent, received);
        return status;
    }

    private static async ValueTask<long> DrainAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            long total = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += n;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
