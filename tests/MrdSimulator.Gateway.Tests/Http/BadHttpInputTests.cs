using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Http;

/// <summary>
/// What careless and hostile HTTP clients send, on a real Kestrel listener (the gateway as a process, its console log
/// kept): each gets a Finesse-style answer in the error body of the API called, never a 500 or a stack trace.
/// </summary>
public sealed partial class BadHttpInputTests
{
    private const string Token = "bad-http-input-tests-admin-token";
    private const string Media = "/finesse/api/User/1000/Media/5000";
    private const string SignIn = "<Media><maxDialogLimit>1</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>";
    private const string Task = "<Task><name>Jane</name><title>t</title><scriptSelector>Chat_SS</scriptSelector></Task>";
    private static readonly string Basic = "Authorization: Basic " + Convert.ToBase64String("1000:password"u8.ToArray()) + "\r\n";

    [Fact]
    public async Task OversizedBrokenStalledAndBadHeaderRequestsGetAnErrorBodyChangeNothingAndLogNoStackTrace()
    {
        await using var gateway = await StartAsync();
        var url = gateway.BaseUrl;
        var bigMedia = Encoding.UTF8.GetBytes(SignIn.PadRight(20_000));
        var bigTask = Encoding.UTF8.GetBytes(Task.PadRight(300 * 1024));
        var badChunks = "zz\r\n<Media/>\r\n0\r\n\r\n"u8.ToArray();
        var cases = new (string Name, Task<RawHttp.Response> Exchange, int Status, string Root)[]
        {
            ("Finesse body over its limit with Content-Length", RawHttp.SendAsync(url, Put($"Content-Length: {bigMedia.Length}\r\n"), bigMedia), 400, "ApiErrors"),
            ("Finesse body over its limit, chunked", RawHttp.SendAsync(url, Put("Transfer-Encoding: chunked\r\n"), RawHttp.Chunked(bigMedia)), 400, "ApiErrors"),
            ("CCP body over its limit with Content-Length", RawHttp.SendAsync(url, Post($"Content-Length: {bigTask.Length}\r\n"), bigTask), 400, "apiErrors"),
            ("CCP body over its limit, chunked", RawHttp.SendAsync(url, Post("Transfer-Encoding: chunked\r\n"), RawHttp.Chunked(bigTask)), 400, "apiErrors"),
            ("Finesse body with bad chunk framing", RawHttp.SendAsync(url, Put("Transfer-Encoding: chunked\r\n"), badChunks), 400, "ApiErrors"),
            ("CCP body with bad chunk framing", RawHttp.SendAsync(url, Post("Transfer-Encoding: chunked\r\n"), badChunks), 400, "apiErrors"),
            ("Finesse body that stalls", RawHttp.SendAsync(url, Put("Content-Length: 500\r\n"), Encoding.UTF8.GetBytes(SignIn[..20])), 408, "ApiErrors"),
            ("CCP body that stalls", RawHttp.SendAsync(url, Post("Content-Length: 500\r\n"), Encoding.UTF8.GetBytes(Task[..20])), 408, "apiErrors"),
            ("requestId with non-ASCII characters", RawHttp.SendAsync(url, Put($"requestId: caf\u00e9\r\nContent-Length: {SignIn.Length}\r\n"), Encoding.UTF8.GetBytes(SignIn)), 400, "ApiErrors"),
            ("requestId with a control character", RawHttp.SendAsync(url, Put($"requestId: a\u0001b\r\nContent-Length: {SignIn.Length}\r\n"), Encoding.UTF8.GetBytes(SignIn)), 400, "ApiErrors"),
        };

        foreach (var (name, exchange, status, root) in cases)
        {
            var response = await exchange;
            Assert.True(response.Status == status, $"{name}: {response.Head}\n{response.Body}");
            Assert.Contains($"<{root}><", response.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("requestId:", response.Head, StringComparison.OrdinalIgnoreCase);
        }

        using var http = new HttpClient { BaseAddress = url };
        using var media = new HttpRequestMessage(HttpMethod.Get, Media);
        media.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("1000:password"u8.ToArray()));
        Assert.Contains("<state>LOGOUT</state>", await (await http.SendAsync(media)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var capacity = new HttpRequestMessage(HttpMethod.Get, "/admin/capacity");
        capacity.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var figures = JsonDocument.Parse(await (await http.SendAsync(capacity)).Content.ReadAsStringAsync()).RootElement.GetProperty("mrds");
        Assert.All(figures.EnumerateArray(), m => Assert.Equal(0, m.GetProperty("submitted").GetInt64()));

        var log = gateway.Output;
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?m)^(fail|crit): ", log);
        Assert.True(Warning().Count(log) <= cases.Length, "more than one warning per bad request:\n" + log);
    }

    [Fact]
    public async Task TheCcpTaskApisOwnBodyLimitIsTheOneThatApplies()
    {
        await using var gateway = await StartAsync();
        var justUnder = Encoding.UTF8.GetBytes(Task.PadRight(256 * 1024));
        var justOver = Encoding.UTF8.GetBytes(Task.PadRight((256 * 1024) + 1));

        var accepted = await RawHttp.SendAsync(gateway.BaseUrl, Post("Transfer-Encoding: chunked\r\n"), RawHttp.Chunked(justUnder));
        var refused = await RawHttp.SendAsync(gateway.BaseUrl, Post("Transfer-Encoding: chunked\r\n"), RawHttp.Chunked(justOver));

        Assert.True(accepted.Status == (int)HttpStatusCode.Created, accepted.Head + accepted.Body);
        Assert.True(refused.Status == (int)HttpStatusCode.BadRequest, refused.Head + refused.Body);
        Assert.Contains("<errorMessage>The request body is larger than 262144 bytes</errorMessage>", refused.Body, StringComparison.Ordinal);
    }

    private static Task<GatewayProcess.RunningGateway> StartAsync() =>
        GatewayProcess.StartAsync("--urls", "http://127.0.0.1:0", "--xmpp-port", "-1", "--agents", "20", "--admin-token", Token);

    private static string Put(string headers) => $"PUT {Media} HTTP/1.1\r\nHost: x\r\n{Basic}Content-Type: application/xml\r\n{headers}";

    private static string Post(string headers) => $"POST /ccp/task/feed/100 HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n{headers}";

    // The console logger starts every entry with its level at the start of a line.
    [GeneratedRegex("(?m)^warn: ")]
    private static partial Regex Warning();
}
