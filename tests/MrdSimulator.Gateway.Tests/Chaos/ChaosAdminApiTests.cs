using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Chaos;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class ChaosAdminApiTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData("GET", "/admin/faults")]
    [InlineData("POST", "/admin/faults")]
    [InlineData("DELETE", "/admin/faults")]
    [InlineData("POST", "/admin/chaos/plan")]
    [InlineData("GET", "/admin/chaos/timeline")]
    [InlineData("GET", "/admin/chaos/drops")]
    [InlineData("GET", "/admin/chaos/drops?since=0")]
    public async Task AdminRequestsWithoutTheTokenAre401(string method, string path)
    {
        using var anonymous = _h.Factory.CreateClient();
        using var wrong = _h.Factory.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-at-all");
        using var basic = _h.Factory.ClientFor("1000", "password");

        foreach (var client in new[] { anonymous, wrong, basic })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("""{"kind":"rest.reset"}""") };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Empty(_h.Engine.Faults());
    }

    [Fact]
    public async Task TheGeneratedTokenIsLongAndRandom()
    {
        await using var other = new ChaosHarness();

        Assert.True(_h.Engine.Options.TokenGenerated);
        Assert.True(_h.Engine.Options.AdminToken.Length >= 32);
        Assert.NotEqual(_h.Engine.Options.AdminToken, other.Engine.Options.AdminToken);
    }

    [Fact]
    public async Task NonLoopbackClientsAreRefusedEvenWithTheToken()
    {
        using var remote = _h.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.Parse("10.1.2.3")))));
        using var client = remote.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", remote.Services.GetRequiredService<ChaosOptions>().AdminToken);

        foreach (var path in new[] { "/admin/faults", "/admin/chaos/drops?since=0" })
        {
            using var response = await client.GetAsync(path);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("loopback", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LoopbackClientsWithTheTokenAreServed()
    {
        using var local = _h.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.IPv6Loopback))));
        using var client = local.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", local.Services.GetRequiredService<ChaosOptions>().AdminToken);

        using var response = await client.GetAsync("/admin/faults");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowRemoteAcceptsNonLoopbackClients()
    {
        var options = new ChaosOptions { AdminToken = "a-test-token-of-sufficient-length", AdminAllowRemote = true };
        using var remote = _h.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.AddSingleton(options);
            s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.Parse("192.0.2.7")));
        }));
        using var client = remote.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminToken);

        using var ok = await client.GetAsync("/admin/faults");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "a-test-token-of-sufficient-lengtH");
        using var wrong = await client.GetAsync("/admin/faults");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task FaultsAreListedAddedAndClearedOneByOneOrAll()
    {
        var added = await _h.AddAsync("""[{"id":"slow","kind":"rest.latency","latency":"200ms","duration":"30s"},{"kind":"notification.drop","probability":"5%","scope":{"users":["1000-1009"]}}]""");

        Assert.Equal(["slow", "a1"], added.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        var listed = await _h.Admin.GetFromJsonAsync<JsonElement>("/admin/faults");
        var faults = listed.GetProperty("faults").EnumerateArray().ToList();
        Assert.Equal("active", faults[0].GetProperty("status").GetString());
        Assert.Equal("200ms", faults[0].GetProperty("parameters").GetProperty("latency").GetString());
        Assert.Equal("users 1000-1009", faults[1].GetProperty("scope").GetString());
        Assert.Equal(0.05, faults[1].GetProperty("probability").GetDouble(), 10);

        using (var one = await _h.Admin.DeleteAsync("/admin/faults/slow"))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        using (var missing = await _h.Admin.DeleteAsync("/admin/faults/slow"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.Equal("a1", Assert.Single(_h.Engine.Faults()).Id);
        using var all = await _h.Admin.DeleteAsync("/admin/faults");
        Assert.Equal(1, (await all.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cleared").GetInt32());
        Assert.Empty(_h.Engine.Faults());
        var timeline = await _h.Admin.GetFromJsonAsync<JsonElement>("/admin/chaos/timeline");
        Assert.Equal(["slow", "a1"], timeline.GetProperty("windows").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.All(timeline.GetProperty("windows").EnumerateArray(), w => Assert.Equal("cleared", w.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task BadFaultBodiesAre400WithLineFieldAndReason()
    {
        using var response = await _h.Admin.PostAsync("/admin/faults", new StringContent("{\n  \"kind\": \"rest.error\",\n  \"at\": \"later\"\n}", Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(3, json.GetProperty("line").GetInt32());
        Assert.Equal("(fault).at", json.GetProperty("field").GetString());
        Assert.StartsWith("'later' is not a time", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_h.Engine.Faults());
    }

    [Fact]
    public async Task ADuplicateIdOrAnOverlappingFailoverIs409()
    {
        await _h.AddAsync("""{"id":"x","kind":"rest.reset","at":"1m"}""");
        await _h.AddAsync("""{"id":"fo","kind":"failover","at":"10m","duration":"1m"}""");

        using var duplicate = await _h.Admin.PostAsync("/admin/faults", new StringContent("""{"id":"x","kind":"rest.error"}"""));
        using var overlap = await _h.Admin.PostAsync("/admin/faults", new StringContent("""{"kind":"failover","at":"10m30s","duration":"1m"}"""));

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, overlap.StatusCode);
        Assert.Contains("overlap failover 'fo'", await overlap.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, _h.Engine.Faults().Count);
    }

    [Fact]
    public async Task OversizedBodiesAre413()
    {
        using var response = await _h.Admin.PostAsync("/admin/chaos/plan", new StringContent(new string('#', 300_000)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task AdminEndpointsAreNotSubjectToRestFaults()
    {
        await _h.AddAsync("""{"kind":"rest.unavailable"}""");

        using var response = await _h.Admin.GetAsync("/admin/chaos/timeline");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Sets the peer address TestServer leaves empty, as a real remote client would have it.</summary>
    private sealed class PeerAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
