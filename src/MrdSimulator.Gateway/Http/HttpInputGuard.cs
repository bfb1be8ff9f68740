using Microsoft.AspNetCore.WebUtilities;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Gateway.Http;

/// <summary>
/// The HTTP boundary's own checks. Before any endpoint runs, a request whose path, query or headers hold a character
/// XML 1.0 cannot carry is refused with 400, since the simulator echoes such values into XML (ErrorData, error
/// messages, Updates) and no client may receive ill-formed XML. While endpoints run, a body Kestrel refuses (bad chunk
/// framing, too large, arriving too slowly) is answered with its 400, 413 or 408 and one warning line, not a 500 and a
/// stack trace. Errors carry the body of the API called.
/// </summary>
public sealed class HttpInputGuard(RequestDelegate next, ILogger<HttpInputGuard> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (FindUnsafeText(context.Request) is { } error)
        {
            await WriteErrorAsync(context, error);
            return;
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's message only (the path could hold a line break): one line per refused request.
            logger.LogWarning("Refused a {Method} request body: {Status} {Reason}", context.Request.Method, ex.StatusCode, ex.Message);
            if (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, new ApiError(ex.StatusCode, ReasonPhrases.GetReasonPhrase(ex.StatusCode), ex.Message, "body"));
            }
        }
    }

    /// <summary>
    /// Writes a Finesse <paramref name="error"/> about the request itself; under CCP's paths as CCP's <c>apiErrors</c>
    /// with CCP's type for bad input.
    /// </summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (!Tasks.CcpTaskApi.IsCcpPath(context.Request.Path))
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
