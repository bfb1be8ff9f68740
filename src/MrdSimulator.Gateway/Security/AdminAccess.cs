using System.Net;
using System.Security.Cryptography;
using System.Text;
using MrdSimulator.Gateway.Chaos;

namespace MrdSimulator.Gateway.Security;

/// <summary>
/// The one access policy of every <c>/admin</c> route (chaos, capacity, and any added later): the peer must be on
/// loopback unless <c>--admin-allow-remote true</c> (else 403), and the request must carry
/// <c>Authorization: Bearer &lt;admin token&gt;</c> (else 401 with <c>WWW-Authenticate</c>). The token is
/// <see cref="ChaosOptions.AdminToken"/>, the single admin token of the process (<c>--admin-token</c>).
/// Admin APIs map their routes through <see cref="MapAdminGroup"/> so that none can be left unguarded.
/// </summary>
public static class AdminAccess
{
    public const string Prefix = "/admin";

    public const string LoopbackOnly = "the admin API accepts loopback clients only (start with --admin-allow-remote true to change this)";

    public const string TokenRequired = "missing or wrong admin token (Authorization: Bearer <token>)";

    /// <summary>A route group under <c>/admin</c> guarded by this policy.</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup(Prefix).AddEndpointFilter(GuardAsync);

    private static async ValueTask<object?> GuardAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next) =>
        Refusal(invocation.HttpContext) ?? await next(invocation);

    /// <summary>The 403 or 401 answer for a request the policy refuses; null when it may proceed.</summary>
    public static IResult? Refusal(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<ChaosOptions>();
        // TestServer and Unix sockets have no peer address; only a real remote peer is refused.
        if (!options.AdminAllowRemote && context.Connection.RemoteIpAddress is { } peer && !IsLoopback(peer))
        {
            return Error(StatusCodes.Status403Forbidden, LoopbackOnly);
        }

        if (BearerToken(context.Request.Headers.Authorization.ToString()) is not { } token || !TokenMatches(token, options.AdminToken))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mrdsim-admin\"";
            return Error(StatusCodes.Status401Unauthorized, TokenRequired);
        }

        return null;
    }

    /// <summary>The credentials of a <c>Bearer</c> Authorization header; the scheme is case-insensitive (RFC 7235 §2.1).</summary>
    internal static string? BearerToken(string header)
    {
        var value = header.AsSpan().Trim();
        var space = value.IndexOfAny(' ', '\t');
        if (space <= 0 || !value[..space].Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[(space + 1)..].Trim();
        return token.IsEmpty ? null : token.ToString();
    }

    // Hashing first makes the comparison's time independent of where, and whether by length, the strings differ.
    internal static bool TokenMatches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    // Dual-stack listeners report IPv4 clients as ::ffff:127.0.0.1.
    private static bool IsLoopback(IPAddress peer) => IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
