using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Media;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway over HTTP (in-memory server), with a fake clock fixed at the reference sample's time
/// and, by default, the golden directory (users 1234 and 1235, password "secret").
/// </summary>
public sealed class SimulatorFactory : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset SampleTime = new(2015, 9, 11, 6, 55, 14, 782, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(SampleTime);

    public SimulatorDirectory Directory { get; init; } = GoldenDirectory;

    public SimulatorOptions Options { get; init; } = new();

    /// <summary>Configuration settings (e.g. <c>Chaos:DropsCapacity</c>) applied to the host.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Replaces the Media grain storage (to slow or fail writes).</summary>
    public IGrainStorage<MediaGrainKey, MediaState>? MediaStorage { get; init; }

    public static SimulatorDirectory GoldenDirectory { get; } =
        DirectoryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "Golden", "golden-directory.yaml"));

    public static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    public Silo Silo => Services.GetRequiredService<Silo>();

    private bool _onLoopback;

    /// <summary>Serves on Kestrel at 127.0.0.1 with a free port instead of in memory, for tests that need real sockets.</summary>
    public Uri StartOnLoopback()
    {
        _onLoopback = true;
        UseKestrel();
        StartServer();
        return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public HttpClient ClientFor(string userId, string password = "secret")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userId}:{password}")));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (_onLoopback)
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton(Directory);
            // In-memory servers run side by side: none may hold the real XMPP TCP port.
            services.AddSingleton(Options.Xmpp.Port == new Xmpp.XmppOptions().Port ? Options with { Xmpp = Options.Xmpp with { Port = -1 } } : Options);
            if (MediaStorage is not null)
            {
                services.AddSingleton(sp => new Silo(
                    Directory,
                    new GrainRuntimeOptions { MailboxCapacity = Options.MailboxCapacity },
                    Time,
                    MediaStorage));
            }
        });
    }
}

public static class HttpExtensions
{
    public const string SignIn = "<Media><maxDialogLimit>10</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction><dialogLogoutAction>CLOSE</dialogLogoutAction></Media>";

    public static Task<HttpResponseMessage> PutXmlAsync(this HttpClient client, string url, string body, string? requestId = null, string contentType = "application/xml")
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (requestId is not null)
        {
            request.Headers.Add("requestId", requestId);
        }

        return client.SendAsync(request);
    }
}
