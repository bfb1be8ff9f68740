using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Xmpp;

namespace MrdSimulator.Load.Tests;

/// <summary>
/// The real simulator (the gateway's Program) in process, on Kestrel at 127.0.0.1 with free HTTP and XMPP ports,
/// with a known admin token for the chaos API.
/// </summary>
internal sealed class RealSimulator : IAsyncDisposable
{
    public const string AdminToken = "load-tests-admin-token-0123456789";

    private readonly WebApplicationFactory<global::Program> _factory;

    private RealSimulator(WebApplicationFactory<global::Program> factory)
    {
        _factory = factory;
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        Xmpp = factory.Services.GetRequiredService<XmppServer>();
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseUrl { get; }

    public XmppServer Xmpp { get; }

    public int XmppPort => Xmpp.TcpEndPoint!.Port;

    public HttpClient Http { get; }

    public static RealSimulator Start(params (string Key, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("urls", "http://127.0.0.1:0");
            b.UseSetting("Simulator:Xmpp:Port", "0");
            b.UseSetting("Simulator:Agents", "200");
            b.UseSetting("Chaos:AdminToken", AdminToken);
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        return new RealSimulator(factory);
    }

    /// <summary>POST /admin/faults (chaos API, docs/chaos.md); asserts 201.</summary>
    public async Task AddFaultsAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/faults") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Http.SendAsync(request);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>PUT /finesse/api/User/{user}/Media/{mrd} with a requestId; asserts 202.</summary>
    public async Task PutMediaAsync(string user, int mrd, string body, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{user}/Media/{mrd}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/xml"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:password")));
        request.Headers.Add("requestId", requestId);
        using var response = await Http.SendAsync(request);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{body} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
