using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Notifications;

/// <summary>What one user's notification streams may cost the simulator: bounded in number, in time and in bytes.</summary>
public sealed class StreamLimitsTests
{
    private const string Media = "/finesse/api/User/1234/Media/5001";

    [Fact]
    public async Task AReaderThatTakesNothingIsCutWithinTheWriteTimeoutWhileAnotherReaderOfTheUserGetsEveryUpdate()
    {
        using var factory = new SimulatorFactory { Kestrel = true, Options = new SimulatorOptions { StreamWriteTimeout = TimeSpan.FromSeconds(1) } };
        var url = factory.Start().BaseAddress;
        var registry = factory.Services.GetRequiredService<SessionRegistry>();
        int Streams() => registry.Snapshot().Count(s => s.Transport == "sse");
        using var agent = factory.ClientFor("1234");
        await using var reader = await NotificationStream.OpenAsync(factory.ClientFor("1234"));

        // A real socket with a small receive buffer that asks for the stream and then never reads.
        using var slow = new TcpClient { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(url.Host, url.Port);
        var credentials = Convert.ToBase64String("1234:secret"u8.ToArray());
        await slow.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /notifications HTTP/1.1\r\nHost: {url.Authority}\r\nAuthorization: Basic {credentials}\r\n\r\n"));
        await Eventually.TrueAsync(() => Streams() == 2, "two streams");

        // Updates until the slow reader's buffers are full and its stream is cut (a stuck stream fails at the deadline).
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(Media, HttpExtensions.SignIn, "r0")).StatusCode);
        var sent = 1;
        var watch = Stopwatch.StartNew();
        while (Streams() == 2 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            var body = sent % 2 == 1 ? "<Media><state>READY</state></Media>" : "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";
            Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(Media, body, $"r{sent++}")).StatusCode);
        }

        Assert.True(Streams() == 1, $"the reader that takes nothing still has its stream after {sent} Updates and {watch.Elapsed}");
        var updates = await reader.TakeAsync(sent);
        Assert.Equal(Enumerable.Range(0, sent).Select(i => $"<requestId>r{i}</requestId>"), updates.Select(u => u[u.IndexOf("<requestId>", StringComparison.Ordinal)..(u.IndexOf("</requestId>", StringComparison.Ordinal) + 12)]));
    }

    [Fact]
    public async Task StreamsBeyondTheUsersSessionCapAreRefusedWith429AndAnApiErrorsBody()
    {
        using var factory = new SimulatorFactory { Options = new SimulatorOptions { MaxSessionsPerUser = 2 } };
        var limit = factory.Services.GetRequiredService<UserSessionLimit>();
        using var agent = factory.ClientFor("1234");
        var first = await NotificationStream.OpenAsync(agent);
        await using var second = await NotificationStream.OpenAsync(agent);

        using (var refused = await agent.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Contains("<ErrorType>Too Many Requests</ErrorType>", body, StringComparison.Ordinal);
            Assert.Contains("user 1234 holds 2 notification sessions", body, StringComparison.Ordinal);
        }

        // Other users are not affected, and a place frees when a stream ends.
        await using var other = await NotificationStream.OpenAsync(factory.ClientFor("1235"));
        await first.DisposeAsync();
        await Eventually.TrueAsync(() => limit.Count("1234") == 1, "one session counted");
        await using var third = await NotificationStream.OpenAsync(agent);
        Assert.Equal(2, limit.Count("1234"));
    }
}
