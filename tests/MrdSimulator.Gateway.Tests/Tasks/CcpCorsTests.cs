using System.Net;

namespace MrdSimulator.Gateway.Tests.Tasks;

/// <summary>CORS on CCP's Task API, as a browser sends it: an Origin on every request, a preflight before a non-simple one.</summary>
public sealed class CcpCorsTests : IDisposable
{
    private const string Origin = "https://crm.example";

    private readonly TaskHttp _http = new(("Tasks:MaxTasksInQueue", "1"));

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("/ccp/task/feed/100", "POST", "content-type")]
    [InlineData("/ccp/rest/task/feed/100", "GET", "accept")]
    [InlineData("/ccp/task/contact/0123456789ABCDEF0123456789ABCDEF", "DELETE", "")]
    public async Task APreflightIsAnsweredForAnyOriginWithTheTaskApisMethodsAndTheHeadersTaskClientsSend(string path, string method, string headers)
    {
        using var response = await PreflightAsync(path, method, headers);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        if (headers.Length > 0)
        {
            Assert.Contains(headers, Header(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
    }

    [Fact]
    public async Task CrossOriginAnswersCarryCorsHeadersAndExposeLocationAndRetryAfterErrorsIncluded()
    {
        using var created = await SendAsync(HttpMethod.Post, "/ccp/task/feed/100", TaskHttp.TaskXml("Email_SS"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("*", Header(created, "Access-Control-Allow-Origin"));
        Assert.Contains("Location", Header(created, "Access-Control-Expose-Headers"), StringComparison.Ordinal);

        using var poll = await SendAsync(HttpMethod.Get, created.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Equal("*", Header(poll, "Access-Control-Allow-Origin"));

        // A page reads the error body too: the answer to a bad request, an unknown contact, a full queue.
        using var bad = await SendAsync(HttpMethod.Post, "/ccp/task/feed/100", "<Task><name>Jane</name></Task>");
        using var unknown = await SendAsync(HttpMethod.Get, "/ccp/task/contact/0123456789ABCDEF0123456789ABCDEF");
        using var full = await SendAsync(HttpMethod.Post, "/ccp/task/feed/100", TaskHttp.TaskXml("Email_SS"));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.ServiceUnavailable), (bad.StatusCode, unknown.StatusCode, full.StatusCode));
        Assert.All(new[] { bad, unknown, full }, r => Assert.Equal("*", Header(r, "Access-Control-Allow-Origin")));
        Assert.Contains("Retry-After", Header(full, "Access-Control-Expose-Headers"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APreflightDoesNotAllowHeadersOrMethodsTheTaskApiDoesNotTake()
    {
        using var header = await PreflightAsync("/ccp/task/feed/100", "POST", "authorization");
        using var method = await PreflightAsync("/ccp/task/feed/100", "PUT", "");

        Assert.DoesNotContain("authorization", Header(header, "Access-Control-Allow-Headers") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Null(Header(method, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/ccp-webapp/ccp/feed")]
    [InlineData("/finesse/api/SystemInfo")]
    public async Task TheAuthenticatedApisAreNotCorsEnabled(string path)
    {
        using var preflight = await PreflightAsync(path, "GET", "authorization");
        using var simple = await SendAsync(HttpMethod.Get, path);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(simple, "Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string path, string method, string headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers.Length > 0)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return await _http.Anonymous.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? xml = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = xml is null ? null : TaskHttp.Xml(xml) };
        request.Headers.Add("Origin", Origin);
        return await _http.Anonymous.SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
