using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Gateway.Http;

/// <summary>The optional <c>requestId</c> header: echoed on the response and carried into the resulting Update.</summary>
public static class RequestId
{
    public const string Header = "requestId";
    public const int MaxLength = 256;

    /// <summary>
    /// Reads and echoes the header; returns an error when it is too long to carry, or holds anything but printable
    /// ASCII (it goes back as a response header, which cannot carry the rest, and into Update XML).
    /// </summary>
    public static ApiError? Read(HttpContext context, out string? requestId)
    {
        requestId = null;
        if (!context.Request.Headers.TryGetValue(Header, out var values) || values.Count == 0)
        {
            return null;
        }

        var value = values[0];
        if (values.Count > 1 || value is null || value.Length > MaxLength || value.AsSpan().IndexOfAnyExceptInRange(' ', '~') >= 0)
        {
            return ApiError.InvalidInput(Header, $"The requestId header must be one value of at most {MaxLength} printable ASCII characters");
        }

        requestId = value;
        context.Response.Headers[Header] = value;
        return null;
    }
}
