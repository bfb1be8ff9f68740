using System.Buffers;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Http;

/// <summary>
/// Reads an XML request body into a pooled buffer, refusing a wrong Content-Type and anything larger
/// than <see cref="SimulatorOptions.MaxRequestBodyBytes"/> before it is read whole.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Memory = buffer.AsMemory(0, length);
    }

    public ReadOnlyMemory<byte> Memory { get; }

    public static async ValueTask<(RequestBody? Body, ApiError? Error)> ReadXmlAsync(HttpContext context, int maxBytes, string? errorMedia)
    {
        if (!IsXml(context.Request.ContentType))
        {
            return (null, ApiError.BadRequest($"Content-Type must be application/xml, not '{context.Request.ContentType}'", "Content-Type", errorMedia));
        }

        return await ReadAsync(context, maxBytes, errorMedia).ConfigureAwait(false);
    }

    /// <summary>Reads the body whatever its Content-Type, refusing more than <paramref name="maxBytes"/>.</summary>
    public static async ValueTask<(RequestBody? Body, ApiError? Error)> ReadAsync(HttpContext context, int maxBytes, string? errorMedia)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes, errorMedia));
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 1024, maxBytes) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, TooLarge(maxBytes, errorMedia));
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (length > maxBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, TooLarge(maxBytes, errorMedia));
        }

        return (new RequestBody(buffer, length), null);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ApiError TooLarge(int maxBytes, string? errorMedia) =>
        ApiError.BadRequest($"The request body is larger than {maxBytes} bytes", "Content-Length", errorMedia);

    private static bool IsXml(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).AsSpan().Trim();
        return mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase);
    }
}
