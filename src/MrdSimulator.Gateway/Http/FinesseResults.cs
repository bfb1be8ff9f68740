using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Gateway.Http;

/// <summary>The few response shapes Finesse uses: an XML object, an ApiErrors body, and 202 with no body.</summary>
public static class FinesseResults
{
    public const string XmlContentType = "application/xml";

    public static IResult Xml(string xml) => Results.Text(xml, XmlContentType, statusCode: StatusCodes.Status200OK);

    public static IResult Error(ApiError error) => new ApiErrorResult(error);

    public static IResult Accepted() => AcceptedResult.Instance;

    /// <summary>Writes an ApiErrors body; also used outside endpoints (auth, fallback, 503).</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = XmlContentType;
        if (error.Status == StatusCodes.Status401Unauthorized && error.ErrorType == "Authorization Failure")
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Finesse\"";
        }

        return context.Response.WriteAsync(ApiErrorsXml.Http(error));
    }

    private sealed class ApiErrorResult(ApiError error) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteErrorAsync(httpContext, error);
    }

    private sealed class AcceptedResult : IResult
    {
        public static readonly AcceptedResult Instance = new();

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status202Accepted;
            httpContext.Response.ContentLength = 0;
            return Task.CompletedTask;
        }
    }
}
