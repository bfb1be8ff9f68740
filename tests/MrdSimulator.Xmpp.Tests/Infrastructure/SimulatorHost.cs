using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Xmpp;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>
/// The real gateway (Program) on Kestrel at 127.0.0.1 with free ports for HTTP and XMPP, so external clients
/// (slixmpp, node) can connect over real sockets.
/// </summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private SimulatorHost(WebApplicationFactory<Program> factory)
    {
        _factory = factory;
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        HttpBase = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
        Xmpp = factory.Services.GetRequiredService<XmppServer>();
        Options = factory.Services.GetRequiredService<SimulatorOptions>();
        Http = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri HttpBase { get; }

    public XmppServer Xmpp { get; }

    public SimulatorOptions Options { get; }

    public HttpClient Http { get; }

    public int XmppPort => Xmpp.TcpEndPoint!.Port;

    public string Domain => Options.XmppDomain;

    public string PubSubDomain => Options.XmppPubSubDomain;

    public IServiceProvider Services => _factory.Services;

    public static SimulatorHost Start(params (string Key, string Value)[] settings)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("urls", "http://127.0.0.1:0");
            b.UseSetting("Simulator:Xmpp:Port", "0");
            b.UseSetting("Simulator:Agents", "200");
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        return new SimulatorHost(factory);
    }

    /// <summary>PUT /finesse/api/User/{user}/Media/{mrd} with Basic auth and a requestId header.</summary>
    public async Task<HttpResponseMessage> PutMediaAsync(string user, string body, string? requestId = null, int mrd = 5000, string password = "password")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{user}/Media/{mrd}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/xml"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        if (requestId is not null)
        {
            request.Headers.Add("requestId", requestId);
        }

        return await Http.SendAsync(request);
    }

    public const string SignInBody = "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>";

    public const string ReadyBody = "<Media><state>READY</state></Media>";

    public const string NotReadyBody = "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";

    public async Task SignInAsync(string user, string? requestId = null)
    {
        using var response = await PutMediaAsync(user, SignInBody, requestId);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
    }
}
