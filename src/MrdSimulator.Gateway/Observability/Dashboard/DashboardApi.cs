using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;

namespace MrdSimulator.Gateway.Observability.Dashboard;

/// <summary>
/// <c>/dashboard</c>: three plain files embedded in the assembly (no build step, nothing from a CDN) and
/// the JSON snapshot they poll. The page references its files relatively ("dashboard/…"), so it also works
/// behind a reverse proxy that adds a path prefix.
/// </summary>
public static class DashboardApi
{
    // default-src 'self' also stops the page from ever reaching another host.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly FrozenDictionary<string, StaticFile> Files = LoadFiles();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        // Routing matches "/dashboard/" here too; send it to "/dashboard" so the page's relative links resolve.
        app.MapGet("/dashboard", (HttpContext context) => context.Request.Path.Value!.EndsWith('/')
            ? Results.Redirect("../dashboard")
            : Serve(context, "index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/snapshot.json", async (HttpContext context, DashboardSnapshotBuilder builder) =>
        {
            var snapshot = await builder.BuildAsync(context.RequestAborted);
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Json(snapshot, Json);
        }).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (HttpContext context, string file) => Serve(context, file)).ExcludeFromDescription();
        return app;
    }

    /// <summary>The one start-up line naming the dashboard's address.</summary>
    public static string StartupLine(IEnumerable<string> urls)
    {
        var url = urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? urls.FirstOrDefault();
        return url is null ? "Dashboard at /dashboard" : $"Dashboard at {url.TrimEnd('/')}/dashboard (metrics at /metrics, health at /health/ready)";
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(file.Content, file.ContentType);
    }

    private static FrozenDictionary<string, StaticFile> LoadFiles()
    {
        var assembly = typeof(DashboardApi).Assembly;
        var files = new Dictionary<string, StaticFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource["dashboard/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            files[name] = new StaticFile(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record StaticFile(byte[] Content, string ContentType, string ETag);
}
