using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Xmpp;
using MrdSimulator.Grains.Hosting;
using MrdSimulator.Grains.Storage;
using Orleans.Storage;

namespace MrdSimulator.Testing;

/// <summary>
/// The whole simulator (<c>Program</c>, with its co-hosted silo) for a test: in memory by default (HTTP through
/// <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/>, no XMPP TCP listener), or on real loopback
/// sockets with free HTTP and XMPP ports when <see cref="Kestrel"/> is set, for real clients. A test may replace the
/// directory, the grains' clock, their storage, or any setting; everything else is the product as shipped. A test
/// project whose tests share other defaults (a directory, a fake clock) derives from it and sets them.
/// </summary>
public class SimulatorHost : WebApplicationFactory<Program>
{
    private HttpClient? _http;

    /// <summary>Real sockets on 127.0.0.1 (HTTP and XMPP on free ports) instead of the in-memory server.</summary>
    public bool Kestrel { get; init; }

    /// <summary>Replaces the directory (default: the generated demo directory of <c>Simulator:Agents</c> agents, 200 here).</summary>
    public SimulatorDirectory? Directory { get; init; }

    /// <summary>Replaces the simulator's options (the XMPP TCP port is turned off in memory unless set).</summary>
    public SimulatorOptions? Options { get; init; }

    /// <summary>The clock of the grains and of everything that follows simulated time (chaos windows, lockouts).</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Replaces the grains' storage (to slow it down or make it fail).</summary>
    public IGrainStorage? GrainStorage { get; init; }

    /// <summary>Configuration settings applied to the host (<c>Chaos:DropsCapacity</c>, <c>Simulator:Agents</c>, …).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The password of every user in the directory the tests use (the demo directory's is "password").</summary>
    public string Password { get; init; } = "password";

    /// <summary>Runs after the product's registrations, so a test can replace or add services.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>Where the Kestrel host listens for HTTP.</summary>
    public Uri BaseAddress => Kestrel
        ? new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)))
        : Server.BaseAddress;

    /// <summary>An unauthenticated client of the simulator's HTTP endpoints.</summary>
    public HttpClient Http => _http ??= Kestrel ? new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) } : CreateClient();

    /// <summary>The co-hosted silo's grains, as the gateway reaches them.</summary>
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public XmppServer Xmpp => Services.GetRequiredService<XmppServer>();

    public int XmppPort => Xmpp.TcpEndPoint!.Port;

    public string Domain => Services.GetRequiredService<SimulatorOptions>().XmppDomain;

    public string PubSubDomain => Services.GetRequiredService<SimulatorOptions>().XmppPubSubDomain;

    /// <summary>A started Kestrel host (real sockets, free ports) with these settings.</summary>
    public static SimulatorHost StartKestrel(params (string Key, string? Value)[] settings) => StartKestrel(settings.ToDictionary(s => s.Key, s => s.Value));

    public static SimulatorHost StartKestrel(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var host = new SimulatorHost { Kestrel = true, Settings = settings, TestServices = services };
        host.Start();
        return host;
    }

    /// <summary>Builds and starts the server now (a test that only uses sockets needs this).</summary>
    public SimulatorHost Start()
    {
        if (Kestrel)
        {
            UseKestrel();
        }

        StartServer();
        return this;
    }

    /// <summary>A client authenticating as <paramref name="userId"/> with HTTP Basic.</summary>
    public HttpClient ClientFor(string userId, string? password = null)
    {
        var client = Kestrel ? new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) } : CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userId}:{password ?? Password}")));
        return client;
    }

    /// <summary>PUT /finesse/api/User/{user}/Media/{mrd} with Basic auth and an optional requestId header.</summary>
    public async Task<HttpResponseMessage> PutMediaAsync(string user, string body, string? requestId = null, int mrd = 5000, string? password = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{user}/Media/{mrd}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/xml"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password ?? Password}")));
        if (requestId is not null)
        {
            request.Headers.Add("requestId", requestId);
        }

        return await Http.SendAsync(request);
    }

    public const string SignInBody = "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>";

    public const string ReadyBody = "<Media><state>READY</state></Media>";

    /// <summary>NOT_READY with reason code 1001, which the demo directory gives every team.</summary>
    public const string NotReadyBody = "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";

    /// <summary>Signs the agent in to chat (maxDialogLimit 3); throws unless the answer is 202.</summary>
    public Task SignInAsync(string user, string? requestId) => AcceptedAsync(user, SignInBody, requestId, 5000);

    /// <summary>Signs the agent in (maxDialogLimit 3); throws unless the answer is 202.</summary>
    public Task SignInAsync(string user, int mrd = 5000, string? requestId = null) => AcceptedAsync(user, SignInBody, requestId, mrd);

    /// <summary>READY or NOT_READY (with reason code 1001); throws unless the answer is 202.</summary>
    public Task SetStateAsync(string user, string state, int mrd = 5000) =>
        AcceptedAsync(user, state == "NOT_READY" ? NotReadyBody : $"<Media><state>{state}</state></Media>", null, mrd);

    /// <summary>Submits a task as a CCP client does (<c>POST /ccp/task/feed/{feed}</c>); throws unless 201, returns the contact's URL.</summary>
    public async Task<Uri> SubmitTaskAsync(string scriptSelector, int feed = 100)
    {
        using var response = await Http.PostAsync($"/ccp/task/feed/{feed}", new StringContent(
            $"<Task><name>Test</name><title>Test task</title><scriptSelector>{scriptSelector}</scriptSelector></Task>", Encoding.UTF8, "application/xml"));
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST task to {scriptSelector}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response.Headers.Location!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Simulator:Agents", "200");

        // Hosts run side by side: a Kestrel host takes free ports, an in-memory one no XMPP TCP port at all.
        builder.UseSetting("Simulator:Xmpp:Port", Kestrel ? "0" : "-1");
        if (Kestrel)
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (Directory is not null)
            {
                services.AddSingleton(Directory);
            }

            if (Options is not null)
            {
                services.AddSingleton(Options.Xmpp.Port == new XmppOptions().Port ? Options with { Xmpp = Options.Xmpp with { Port = Kestrel ? 0 : -1 } } : Options);
            }

            if (Clock is not null)
            {
                services.UseSimulatorClock(Clock);
            }

            if (GrainStorage is not null)
            {
                services.AddKeyedSingleton(StorageNames.Grains, GrainStorage);
            }

            TestServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>PUTs a Media body; throws unless the answer is 202.</summary>
    public Task AcceptedOrThrowAsync(string user, string body, int mrd = 5000) => AcceptedAsync(user, body, null, mrd);

    private async Task AcceptedAsync(string user, string body, string? requestId, int mrd)
    {
        using var response = await PutMediaAsync(user, body, requestId, mrd);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"PUT {body} for {user}/{mrd}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
