using System.Globalization;
using System.Text;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// Runs before authentication on every Finesse endpoint: applies REST faults (latency, 503, 5xx, reset). A
/// notification stream a fault turns away is told to the engine, so the Updates its user misses meanwhile are
/// accounted to that fault. With no fault active it costs one array-length check.
/// </summary>
public sealed class ChaosMiddleware(RequestDelegate next, ChaosEngine engine)
{
    public const string NotificationsPath = "/notifications";

    public async Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        var finesse = metadata?.GetMetadata<FinesseEndpointAttribute>() is not null;
        var taskApi = !finesse && TaskApi.IsTaskApi(context.Request.Path);
        if (!finesse && !taskApi)
        {
            await next(context);
            return;
        }

        var userId = UserOf(context);
        if (engine.HasRestFaults)
        {
            var decision = engine.DecideRest(userId, MrdOf(context.Request.Path), metadata?.GetMetadata<AllowWhenOutOfServiceAttribute>() is not null, taskApi);
            if (decision.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(decision.Delay, engine.Time, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (decision.Action != RestAction.None && decision.Fault is { } by && userId is not null
                && context.Request.Path.Equals(NotificationsPath, StringComparison.Ordinal))
            {
                engine.SessionRefused(userId, by);
            }

            switch (decision.Action)
            {
                case RestAction.Unavailable:
                    await FinesseResults.WriteErrorAsync(context, ApiError.ServiceUnavailable(decision.Message!));
                    return;
                case RestAction.Error:
                    await FinesseResults.WriteErrorAsync(context, new ApiError(decision.Status, "Generic Error", decision.Message!, string.Empty));
                    return;
                case RestAction.Reset:
                    context.Abort();
                    return;
            }
        }

        await next(context);
    }

    /// <summary>The user a request is about: the URI's <c>User/{id}</c>, else the Basic credentials' name (not verified here).</summary>
    internal static string? UserOf(HttpContext context)
    {
        var path = context.Request.Path.Value.AsSpan();
        const string prefix = "/finesse/api/User/";
        if (path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var rest = path[prefix.Length..];
            var slash = rest.IndexOf('/');
            var id = slash < 0 ? rest : rest[..slash];
            if (!id.IsEmpty)
            {
                return id.ToString();
            }
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length is > 6 and < 1100 && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            Span<byte> bytes = stackalloc byte[800];
            if (Convert.TryFromBase64Chars(header.AsSpan(6).Trim(), bytes, out var written))
            {
                var colon = bytes[..written].IndexOf((byte)':');
                if (colon > 0)
                {
                    return Encoding.UTF8.GetString(bytes[..colon]);
                }
            }
        }

        return null;
    }

    /// <summary>The MRD a URI names (<c>…/Media/{mrdId}</c>), if any.</summary>
    internal static int? MrdOf(PathString path)
    {
        var value = path.Value.AsSpan();
        var media = value.IndexOf("/Media/", StringComparison.Ordinal);
        if (media < 0)
        {
            return null;
        }

        var rest = value[(media + 7)..];
        var slash = rest.IndexOf('/');
        rest = slash < 0 ? rest : rest[..slash];
        return int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}

/// <summary>Where the CCP task API lives (the task.unavailable fault answers 503 there).</summary>
public static class TaskApi
{
    public static bool IsTaskApi(PathString path) => path.StartsWithSegments("/ccp", StringComparison.OrdinalIgnoreCase);
}
