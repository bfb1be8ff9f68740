using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Security;

/// <summary>
/// Every route under <c>/admin</c> the app registers, found through its <see cref="EndpointDataSource"/> (so a route
/// added later is walked too), follows the one admin policy of <see cref="AdminAccess"/>.
/// </summary>
public sealed partial class AdminAccessTests
{
    private const string Token = "admin-access-test-token-0123456789";

    /// <summary>Both spellings of the one admin token: the switch (<c>--admin-token</c>) and the chaos section's key.</summary>
    public static TheoryData<string> TokenSettings => new() { "Tasks:AdminToken", "Chaos:AdminToken" };

    [Theory]
    [MemberData(nameof(TokenSettings))]
    public async Task EveryAdminRouteRefusesAMissingOrWrongTokenAndAcceptsTheBearerSchemeInAnyCase(string tokenSetting)
    {
        await using var factory = new SimulatorFactory { Settings = new Dictionary<string, string?> { [tokenSetting] = Token } };
        using var client = factory.CreateClient();
        var routes = AdminRoutes(factory);

        foreach (var (method, path) in routes)
        {
            foreach (var authorization in new[] { null, "Bearer not-the-admin-token-at-all", $"Basic {Token}", "Bearer", $"{Token}" })
            {
                await AssertRefusedAsync(client, method, path, authorization, HttpStatusCode.Unauthorized, AdminAccess.TokenRequired);
            }

            foreach (var scheme in new[] { "Bearer", "bearer", "BEARER" })
            {
                using var response = await SendAsync(client, method, path, $"{scheme} {Token}");
                Assert.True(
                    response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{method} {path} with '{scheme} <token>': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryAdminRouteRefusesARemotePeerUnlessRemoteAdminIsAllowed(bool allowRemote)
    {
        await using var factory = new SimulatorFactory
        {
            Settings = new Dictionary<string, string?> { ["Tasks:AdminToken"] = Token, ["Chaos:AdminAllowRemote"] = allowRemote ? "true" : "false" },
        };
        await using var remote = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.Parse("192.0.2.7")))));
        using var client = remote.CreateClient();

        foreach (var (method, path) in AdminRoutes(remote))
        {
            if (allowRemote)
            {
                using var response = await SendAsync(client, method, path, $"bearer {Token}");
                Assert.True(
                    response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{method} {path} from a remote peer with remote admin allowed: {(int)response.StatusCode}");
                await AssertRefusedAsync(client, method, path, null, HttpStatusCode.Unauthorized, AdminAccess.TokenRequired);
            }
            else
            {
                // Refused before the token is looked at: the right token does not help, and no token says the same.
                await AssertRefusedAsync(client, method, path, $"Bearer {Token}", HttpStatusCode.Forbidden, AdminAccess.LoopbackOnly);
                await AssertRefusedAsync(client, method, path, null, HttpStatusCode.Forbidden, AdminAccess.LoopbackOnly);
            }
        }
    }

    /// <summary>Method and a concrete path of every registered route under /admin; route parameters get a dummy value.</summary>
    private static List<(string Method, string Path)> AdminRoutes(WebApplicationFactory<Program> factory)
    {
        _ = factory.Server; // builds the host, so that every endpoint is registered
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw == AdminAccess.Prefix || raw.StartsWith(AdminAccess.Prefix + "/", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get])
                .Select(m => (m, RouteParameter().Replace(e.RoutePattern.RawText!, "x"))))
            .Distinct()
            .ToList();

        // Guard against walking nothing: the chaos and capacity routes are there.
        Assert.Contains((HttpMethods.Get, "/admin/capacity"), routes);
        Assert.Contains((HttpMethods.Post, "/admin/chaos/plan"), routes);
        Assert.Contains((HttpMethods.Delete, "/admin/faults/x"), routes);
        return routes;
    }

    private static async Task AssertRefusedAsync(HttpClient client, string method, string path, string? authorization, HttpStatusCode status, string error)
    {
        using var response = await SendAsync(client, method, path, authorization);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == status, $"{method} {path} with '{authorization}': {(int)response.StatusCode} {body}");
        Assert.Equal(error, body.GetProperty("error").GetString());
        if (status == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? authorization)
    {
        // No body: with the right token a POST answers 400 (empty body), so no route changes anything here.
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await client.SendAsync(request);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
