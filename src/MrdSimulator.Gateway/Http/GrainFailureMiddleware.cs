using System.Globalization;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Gateway.Http;

/// <summary>
/// A grain call that Orleans could not complete — the grain's queue was full, the call timed out, the silo went
/// away — answers 503 with the API's own error body, and the log gets one warning line, not a stack trace. The
/// request may or may not have reached the grain, which is what 503 tells a client ("try again"); it never gets
/// a 202 whose Update will not come.
/// </summary>
public sealed partial class GrainFailureMiddleware(RequestDelegate next, ILogger<GrainFailureMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsGrainFailure(ex) && !context.Response.HasStarted)
        {
            LogGrainFailure(context.Request.Method, context.Request.Path, ex.GetType().Name, ex.Message);
            var message = ex is LimitExceededException
                ? "Too many requests are waiting for this object; try again"
                : "The simulator could not complete the request in time; try again";
            if (Tasks.CcpTaskApi.IsCcpPath(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = FinesseResults.XmlContentType;
                await context.Response.WriteAsync(TaskXml.Errors(new ApiError(503, "serviceUnavailable", message, "Task")));
                return;
            }

            var media = context.GetRouteValue("mrdId") is string mrd && int.TryParse(mrd, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? mrd : null;
            await FinesseResults.WriteErrorAsync(context, ApiError.ServiceUnavailable(message) with { ErrorMedia = media });
        }
    }

    /// <summary>What Orleans throws when a call could not be completed (as opposed to an exception the grain threw).</summary>
    public static bool IsGrainFailure(Exception ex) => ex is OrleansException or TimeoutException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: 503, the grain call failed ({Error}: {Message})")]
    private partial void LogGrainFailure(string method, string path, string error, string message);
}
