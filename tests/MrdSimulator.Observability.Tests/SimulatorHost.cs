using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MrdSimulator.Observability.Tests;

/// <summary>
/// The real simulator (Program) on Kestrel at 127.0.0.1 with a free port. Tests run one at a time: the
/// simulator's own meters are process-wide, so two live simulators would count each other's grains.
/// </summary>
internal sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private SimulatorHost(WebApplicationFactory<Program> factory, Uri baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public static Task<SimulatorHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("urls", "http://127.0.0.1:0");
            web.UseSetting("Simulator:Agents", "200");
            web.UseSetting("Simulator:Xmpp:Port", "0");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                web.UseSetting(key, value);
            }

            if (services is not null)
            {
                // After Program's registrations, so a test can replace the silo or add health checks.
                web.ConfigureTestServices(services);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return Task.FromResult(new SimulatorHost(factory, new Uri(address)));
    }

    /// <summary>PUT /finesse/api/User/{id}/Media/{mrd} as that user; asserts 202.</summary>
    public async Task PutMediaAsync(string userId, int mrdId, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{userId}/Media/{mrdId}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/xml"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userId}:password")));
        using var response = await Client.SendAsync(request);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{body} -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public Task SignInAsync(string userId, int mrdId = 5000) =>
        PutMediaAsync(userId, mrdId, "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>");

    /// <summary>NOT_READY carries reason code 1001, which the demo directory gives every team.</summary>
    public Task SetStateAsync(string userId, string state, int mrdId = 5000) =>
        PutMediaAsync(userId, mrdId, state == "NOT_READY"
            ? "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>"
            : $"<Media><state>{state}</state></Media>");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}

/// <summary>Runs an external tool; a missing tool fails the test with the install command, it never skips it.</summary>
internal static class Tool
{
    public static string Require(string path, string package)
    {
        Assert.True(File.Exists(path), $"{path} is missing: install it with `apt-get install -y {package}` (CI: see docs/observability.md)");
        return path;
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
