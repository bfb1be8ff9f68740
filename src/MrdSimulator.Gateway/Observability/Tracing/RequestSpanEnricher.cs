using System.Diagnostics;

namespace MrdSimulator.Gateway.Observability.Tracing;

/// <summary>
/// Names ASP.NET Core's request span "METHOD route" and adds the semantic-convention tags that the
/// (unavailable) instrumentation package would add. Installed only when traces are exported.
/// </summary>
internal sealed class RequestSpanEnricher(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var activity = Activity.Current;
        if (activity is null || !activity.IsAllDataRequested || activity.Source.Name != "Microsoft.AspNetCore")
        {
            await next(context);
            return;
        }

        activity.SetTag("http.request.method", context.Request.Method);
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            activity.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
            if (route is not null)
            {
                activity.SetTag("http.route", route);
            }

            var status = context.Response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }
}
