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
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class ChaosAdminApiTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task TheGeneratedTokenIsLongAndRandom()
    {
        await using var other = new ChaosHarness();

        Assert.True(_h.Engine.Options.TokenGenerated);
        Assert.True(_h.Engine.Options.AdminToken.Length >= 32);
        Assert.NotEqual(_h.Engine.Options.AdminToken, other.Engine.Options.AdminToken);
    }

    // Which routes refuse what (no token, wrong token, remote peers) is walked route by route in Security/AdminAccessTests.
    [Theory]
    [InlineData("::1")]
    [InlineData("127.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task LoopbackClientsWithTheTokenAreServed(string peer)
    {
        using var local = _h.Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(IPAddress.Parse(peer)))));
        using var client = local.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", local.Services.GetRequiredService<ChaosOptions>().AdminToken);

        using var response = await client.GetAsync("/admin/faults");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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
}
