using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Gateway.Http;

/// <summary>
/// The HTTP boundary's own checks, before any endpoint runs: a request whose path, query or headers hold a character
/// XML 1.0 cannot carry is refused with 400, since the simulator echoes such values into XML (ErrorData, error
/// messages, Updates) and no client may receive ill-formed XML. Errors carry the body of the API called.
/// </summary>
public sealed class HttpInputGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        FindUnsafeText(context.Request) is { } error ? WriteErrorAsync(context, error) : next(context);

    /// <summary>
    /// Writes a Finesse <paramref name="error"/> about the request itself; under <c>/ccp</c> as CCP's <c>apiErrors</c>
    /// with CCP's type for bad input.
    /// </summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (!context.Request.Path.StartsWithSegments("/ccp", StringComparison.OrdinalIgnoreCase))
        {
            return FinesseResults.WriteErrorAsync(context, error);
        }

        context.Response.StatusCode = error.Status;
        context.Response.ContentType = FinesseResults.XmlContentType;
        return context.Response.WriteAsync(TaskXml.Errors(TaskSubmissionParser.Invalid(error.ErrorData, error.ErrorMessage) with { Status = error.Status }));
    }

    private static ApiError? FindUnsafeText(HttpRequest request)
    {
        if (Unsafe("path", request.Path.Value) is { } path)
        {
            return path;
        }

        if (request.QueryString.HasValue)
        {
            foreach (var (key, values) in request.Query)
            {
                if ((Unsafe("query", key) ?? values.Select(v => Unsafe(key, v)).FirstOrDefault(e => e is not null)) is { } query)
                {
                    return query;
                }
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            if (values.Select(v => Unsafe(name, v)).FirstOrDefault(e => e is not null) is { } header)
            {
                return header;
            }
        }

        return null;
    }

    private static ApiError? Unsafe(string field, string? text) =>
        text is not null && XmlChars.IndexOfInvalid(text) is var at and >= 0
            ? ApiError.InvalidInput(XmlChars.Sanitize(field), $"The {XmlChars.Sanitize(field)} holds {XmlChars.Describe(text, at)}, a character XML 1.0 cannot carry")
            : null;
}
