using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace MrdSimulator.Cluster.Tests;

/// <summary><c>deploy/local/cluster</c> on a running 3-silo, 2-gateway cluster: what it serves and how it reports and restarts processes.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class LocalClusterTests(SharedClusterFixture fixture)
{
    private static readonly string[] AllNames = ["redis", "silo-1", "silo-2", "silo-3", "gateway-1", "gateway-2", "nginx"];

    private LocalCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task UpServesRestThroughNginxAndStatusListsEveryProcessAsRunning()
    {
        using var client = Cluster.ClientFor("1000");
        using var response = await client.GetAsync("/finesse/api/User/1000/Media");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<MediaList>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = await Cluster.StatusAsync();
        Assert.Equal(AllNames, status.Select(s => s.Name));
        Assert.All(status, s => Assert.Equal("running", s.State));
        Assert.All(status, s => Assert.True(s.Pid is { } pid && LocalCluster.IsAlive(pid), $"{s.Name}'s pid {s.Pid} is not alive"));
    }

    [Fact]
    public async Task EveryPrintedProcessEndpointAnswers()
    {
        Assert.Equal(["gateway-1", "gateway-2", "silo-1", "silo-2", "silo-3"], Cluster.ProcessHttp.Keys.Order());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (name, url) in Cluster.ProcessHttp)
        {
            using var ready = await http.GetAsync(new Uri(url, "/health/ready"));
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"{name} at {url}: /health/ready answered {(int)ready.StatusCode}");
        }

        Assert.Equal("PONG", await RedisAsync(Cluster.Redis, "PING"));
        foreach (var (name, endpoint) in Cluster.ProcessXmpp)
        {
            Assert.True((await XmppFeaturesAsync(endpoint)).Contains("SCRAM-SHA-1", StringComparison.Ordinal), $"{name}'s XMPP port offers no SCRAM-SHA-1");
        }
    }

    [Fact]
    public async Task TheAdminTokenOpensAdminCallsThroughNginxAndNothingElseDoes()
    {
        using var http = new HttpClient { BaseAddress = Cluster.Gateway, Timeout = TimeSpan.FromSeconds(10) };
        using var anonymous = await http.GetAsync("/admin/faults");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/faults");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminToken);
        using var authorised = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
    }

    [Fact]
    public async Task XmppThroughTheNginxStreamFrontOffersSaslMechanisms()
    {
        var features = await XmppFeaturesAsync(Cluster.Xmpp);

        Assert.Contains("<mechanism>SCRAM-SHA-1</mechanism>", features, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketUpgradesPassThroughNginx()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("xmpp");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://{Cluster.Gateway.Authority}/ws"), timeout.Token);

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("xmpp", socket.SubProtocol);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [Fact]
    public async Task TheUpdateOfAPutThroughNginxReachesAnSseStreamOpenedThroughNginx()
    {
        // The stream and the PUT may land on different gateways: the Update crosses from one to the other through the grain.
        using var client = Cluster.ClientFor("1010");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = await client.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        stream.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        Assert.StartsWith(":", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        using var put = new HttpRequestMessage(HttpMethod.Put, "/finesse/api/User/1010/Media/5000")
        {
            Content = new StringContent(SimulatorHost.SignInBody, Encoding.UTF8, "application/xml"),
        };
        put.Headers.Add("requestId", "through-nginx");
        using var accepted = await client.SendAsync(put, timeout.Token);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && !line.Contains("<requestId>through-nginx</requestId>", StringComparison.Ordinal))
        {
        }

        Assert.NotNull(line);
    }

    [Fact]
    public async Task AKilledSiloIsReportedDeadWhileRestStillAnswersAndStartBringsItBack()
    {
        try
        {
            await Cluster.KillAsync("silo-2");

            Assert.Equal("dead", (await Cluster.StatusAsync()).Single(s => s.Name == "silo-2").State);
            // Grains that lived on silo-2 come back on the others once membership declares it dead (seconds, --failure-detection fast).
            foreach (var user in Enumerable.Range(1020, 10).Select(u => u.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                using var client = Cluster.ClientFor(user);
                await Eventually.TrueAsync(
                    () => AnswersOkAsync(client, $"/finesse/api/User/{user}/Media"),
                    $"GET /finesse/api/User/{user}/Media through nginx to answer 200 after silo-2 was killed",
                    TimeSpan.FromSeconds(45));
            }

            await Cluster.StartProcessAsync("silo-2");

            var status = await Cluster.StatusAsync();
            Assert.All(status, s => Assert.Equal("running", s.State));
        }
        finally
        {
            // The other tests share this cluster: leave it whole whatever happened above.
            if ((await Cluster.StatusAsync()).Single(s => s.Name == "silo-2").State != "running")
            {
                await Cluster.StartProcessAsync("silo-2");
            }
        }
    }

    [Fact]
    public async Task AStoppedRedisIsReportedStoppedAndStartBringsItBackWithWhatItPersisted()
    {
        try
        {
            Assert.Equal("OK", await RedisAsync(Cluster.Redis, "SET mrdsim-cluster-test kept"));
            using var agent = Cluster.ClientFor("1041");
            Assert.Equal(HttpStatusCode.Accepted, await StatusOfPutAsync(agent, SimulatorHost.SignInBody));

            await Cluster.StopAsync("redis");

            Assert.Equal("stopped", (await Cluster.StatusAsync()).Single(s => s.Name == "redis").State);
            // A change that must be written while Redis is away is refused with 503, not accepted and lost.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusOfPutAsync(agent, SimulatorHost.ReadyBody));
            await Cluster.StartProcessAsync("redis");
            Assert.Equal("running", (await Cluster.StatusAsync()).Single(s => s.Name == "redis").State);
            Assert.Equal("kept", await RedisAsync(Cluster.Redis, "GET mrdsim-cluster-test"));
            using var client = Cluster.ClientFor("1040");
            await Eventually.TrueAsync(() => AnswersOkAsync(client, "/finesse/api/User/1040/Media"), "REST through nginx after Redis restarted", TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.Accepted, await StatusOfPutAsync(agent, SimulatorHost.ReadyBody));
            Assert.Contains("<state>READY</state>", await agent.GetStringAsync("/finesse/api/User/1041/Media/5000"), StringComparison.Ordinal);
        }
        finally
        {
            if ((await Cluster.StatusAsync()).Single(s => s.Name == "redis").State != "running")
            {
                await Cluster.StartProcessAsync("redis");
            }
        }
    }

    private static async Task<HttpStatusCode> StatusOfPutAsync(HttpClient agent, string body)
    {
        using var response = await agent.PutXmlAsync("/finesse/api/User/1041/Media/5000", body);
        return response.StatusCode;
    }

    [Fact]
    public async Task ASecondUpInTheSameStateDirectoryIsRefusedAndLeavesTheClusterRunning()
    {
        var second = await Cluster.RunAsync(["up", "--silos", "1", "--gateways", "1"]);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already up", second.Stderr, StringComparison.Ordinal);
        Assert.All(await Cluster.StatusAsync(), s => Assert.Equal("running", s.State));
    }

    [Theory]
    [InlineData("kill")]
    [InlineData("stop")]
    [InlineData("start")]
    public async Task AnUnknownProcessNameIsRefusedWithTheValidNames(string command)
    {
        var result = await Cluster.RunAsync([command, "silo-9"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown process 'silo-9'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("redis silo-1 silo-2 silo-3 gateway-1 gateway-2 nginx", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortsPrintsTheLinesOfUpAgain()
    {
        var ports = await Cluster.RunAsync(["ports"]);

        Assert.Equal(0, ports.ExitCode);
        Assert.StartsWith(ports.Stdout, Cluster.UpOutput, StringComparison.Ordinal);
    }

    private static async Task<bool> AnswersOkAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>One inline Redis command; a simple or bulk string reply as text.</summary>
    private static async Task<string> RedisAsync(DnsEndPoint redis, string command)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(redis.Host, redis.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var reply = await reader.ReadLineAsync(timeout.Token) ?? "";
        return reply switch
        {
            ['+', .. var text] => text,
            ['$', ..] when reply != "$-1" => await reader.ReadLineAsync(timeout.Token) ?? "",
            _ => throw new InvalidOperationException($"Redis answered {command} with {reply}"),
        };
    }

    /// <summary>Opens an XMPP stream and returns what the server sent up to the end of its stream features.</summary>
    private static async Task<string> XmppFeaturesAsync(DnsEndPoint endpoint)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(
            "<?xml version='1.0'?><stream:stream to='finesse.mrdsim.local' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("</stream:features>", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return received.ToString();
    }
}
