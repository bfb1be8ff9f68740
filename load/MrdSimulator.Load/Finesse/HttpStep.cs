using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse;

/// <summary>
/// The HTTP side of a run: one <see cref="SocketsHttpHandler"/> driven through a bare <see cref="HttpMessageInvoker"/>
/// (no HttpClient per-request bookkeeping), with pooled, re-armed timeout token sources so that a request
/// allocates no timer of its own.
/// </summary>
public sealed class HttpTarget : IDisposable
{
    private readonly ConcurrentBag<CancellationTokenSource> _timeouts = [];

    public HttpTarget(Uri baseUrl, int maxConnections, TimeSpan requestTimeout, bool lean = true)
    {
        BaseUrl = baseUrl;
        RequestTimeout = requestTimeout;
        if (lean && baseUrl.Scheme == Uri.UriSchemeHttp)
        {
            Raw = new RawHttpClient(baseUrl, maxConnections);
        }

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
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public Uri BaseUrl { get; }

    public TimeSpan RequestTimeout { get; }

    internal HttpMessageInvoker Invoker { get; }

    /// <summary>The lean HTTP/1.1 client (plain http); null = everything goes through SocketsHttpHandler.</summary>
    internal RawHttpClient? Raw { get; }

    public Uri Resolve(string path) => new(BaseUrl, path);

    internal CancellationTokenSource RentTimeout()
    {
        if (!_timeouts.TryTake(out var cts))
        {
            cts = new CancellationTokenSource();
        }

        cts.CancelAfter(RequestTimeout);
        return cts;
    }

    internal void ReturnTimeout(CancellationTokenSource cts)
    {
        if (cts.TryReset())
        {
            _timeouts.Add(cts);
        }
        else
        {
            cts.Dispose();
        }
    }

    /// <summary>Checks that the target answers at all; throws <see cref="TargetUnreachableException"/> with the reason.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl);
            using var response = await Invoker.SendAsync(request, cts.Token);
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException is SocketException se ? se.Message : ex.Message;
            throw new TargetUnreachableException($"cannot reach {BaseUrl}: {reason}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TargetUnreachableException($"cannot reach {BaseUrl}: no answer within 5 s");
        }
    }

    public void Dispose()
    {
        Raw?.Dispose();
        Invoker.Dispose();
        while (_timeouts.TryTake(out var cts))
        {
            cts.Dispose();
        }
    }
}

public sealed class TargetUnreachableException(string message) : Exception(message);

/// <summary>Sends one HTTP request as a timed step and classifies its outcome.</summary>
public static class HttpStep
{
    /// <summary>
    /// Sends <paramref name="request"/>, records latency from <paramref name="startTicks"/> into <paramref name="step"/>
    /// and returns the HTTP status, or a negative <see cref="StatusCodes"/> value for timeouts and errors.
    /// </summary>
    /// <param name="inspect">Sees the response before its body is drained (e.g. to read a Location header).</param>
    public static async ValueTask<int> SendAsync(
        HttpTarget target,
        HttpRequestMessage request,
        StepRecorder step,
        long startTicks,
        int expectedStatus,
        long bytesSent,
        CancellationToken cancellationToken,
        Action<HttpResponseMessage>? inspect = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int status;
        long received = 0;
        var timeout = target.RentTimeout();
        try
        {
            using var response = await target.Invoker.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            inspect?.Invoke(response);
            if (response.Content.Headers.ContentLength is not 0)
            {
                received = await DrainAsync(response.Content, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            status = StatusCodes.Timeout;
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            status = StatusCodes.ConnectionError;
        }
        catch (Exception)
        {
            status = StatusCodes.Exception;
        }
        finally
        {
            target.ReturnTimeout(timeout);
        }

        step.Record(status == expectedStatus, status, Stopwatch.GetTimestamp() - startTicks, bytesSent, received);
        return status;
    }

    /// <summary>Same as the other overload, through the lean HTTP/1.1 client.</summary>
    internal static async ValueTask<int> SendAsync(
        HttpTarget target, RawHttpClient.Request request, StepRecorder step, long startTicks, int expectedStatus, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int status;
        long received = 0;
        var timeout = target.RentTimeout();
        try
        {
            (status, received) = await target.Raw!.SendAsync(request, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            status = StatusCodes.Timeout;
        }
        catch (SocketException)
        {
            status = StatusCodes.ConnectionError;
        }
        catch (IOException)
        {
            status = StatusCodes.ConnectionError;
        }
        catch (Exception)
        {
            status = StatusCodes.Exception;
        }
        finally
        {
            target.ReturnTimeout(timeout);
        }

        step.Record(status == expectedStatus, status, Stopwatch.GetTimestamp() - startTicks, request.Body.Length, received);
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
