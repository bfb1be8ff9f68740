using System.Net;
using System.Text;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MrdSimulator.Gateway.Tests.Media;

public sealed class MediaApiTests : IDisposable
{
    private const string Media = "/finesse/api/User/1234/Media/5001";
    private readonly SimulatorFactory _factory = new();
    private readonly HttpClient _agent;

    public MediaApiTests() => _agent = _factory.ClientFor("1234");

    public void Dispose()
    {
        _agent.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task SignInAnswers202WithNoBodyAndEchoesTheRequestId()
    {
        using var response = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "req-41");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("req-41", Assert.Single(response.Headers.GetValues("requestId")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GetMediaBeforeSignInMatchesGolden() =>
        Assert.Equal(SimulatorFactory.Golden("media-never-signed-in.xml"), await _agent.GetStringAsync(Media));

    [Fact]
    public async Task GetMediaAfterSignInMatchesGolden()
    {
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);

        using var response = await _agent.GetAsync(Media);

        Assert.Equal("application/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(SimulatorFactory.Golden("media-signed-in.xml"), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NotReadyWithReasonCodeMatchesGolden()
    {
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);
        await _agent.PutXmlAsync(Media, "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>");

        Assert.Equal(SimulatorFactory.Golden("media-not-ready-with-reason-code.xml"), await _agent.GetStringAsync(Media));
    }

    [Fact]
    public async Task MediaListShowsFullAndReducedObjects()
    {
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);

        Assert.Equal(SimulatorFactory.Golden("medialist.xml"), await _agent.GetStringAsync("/finesse/api/User/1234/Media"));
    }

    [Fact]
    public async Task MediaOfAnMrdTheAgentIsNotInIsReduced() =>
        Assert.Equal(SimulatorFactory.Golden("media-reduced.xml"), await _agent.GetStringAsync("/finesse/api/User/1234/Media/5002"));

    [Fact]
    public async Task AnotherUsersMediaIsInvalidAuthorizationUserSpecified()
    {
        using var other = _factory.ClientFor("1235");

        using var get = await other.GetAsync(Media);
        using var put = await other.PutXmlAsync(Media, HttpExtensions.SignIn);

        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        Assert.Equal(SimulatorFactory.Golden("apierrors-invalid-authorization-user.xml"), await get.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Contains("<state>LOGOUT</state>", await _agent.GetStringAsync(Media), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, HttpStatusCode, string> BadRequests => new()
    {
        { Media, "<Media>\n   <state>NOT_READY</state>\n   <reasonCodeId>1001</reaasonCodeId>\n</Media>", "application/xml", HttpStatusCode.BadRequest, "Bad Request" },
        { Media, "", "application/xml", HttpStatusCode.BadRequest, "Bad Request" },
        { Media, "<Media><state>READY</state></Media>", "application/json", HttpStatusCode.BadRequest, "Bad Request" },
        { Media, "<Media><state>READY</state></Media>", "text/plain", HttpStatusCode.BadRequest, "Bad Request" },
        { Media, "<Media/>", "application/xml", HttpStatusCode.BadRequest, "Parameter Missing" },
        { Media, "<Media><state>NOT_READY</state></Media>", "application/xml", HttpStatusCode.BadRequest, "Parameter Missing" },
        { Media, "<Media><state>Ready</state></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { Media, "<Media><state>READY</state><shoeSize>9</shoeSize></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { Media, "<Media><maxDialogLimit>-1</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { Media, "<Media><maxDialogLimit>2147483648</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { Media, "<Media><state>NOT_READY</state><reasonCodeId>999999</reasonCodeId></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { "/finesse/api/User/1234/Media/chat", "<Media><state>READY</state></Media>", "application/xml", HttpStatusCode.BadRequest, "Invalid Input" },
        { "/finesse/api/User/1234/Media/7777", "<Media><state>READY</state></Media>", "application/xml", HttpStatusCode.NotFound, "Not Found" },
        { "/finesse/api/User/9999/Media/5001", "<Media><state>READY</state></Media>", "application/xml", HttpStatusCode.Unauthorized, "Invalid Authorization User Specified" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequestsGetTheFinesseStatusAndLeaveTheStateAsItWas(string url, string body, string contentType, HttpStatusCode status, string errorType)
    {
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);
        var before = await _agent.GetStringAsync(Media);
        _factory.Time.Advance(TimeSpan.FromSeconds(3));

        using var response = await _agent.PutXmlAsync(url, body, "bad-1", contentType);

        Assert.Equal(status, response.StatusCode);
        var xml = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><ApiErrors><ApiError>", xml, StringComparison.Ordinal);
        Assert.Contains($"<ErrorType>{errorType}</ErrorType>", xml, StringComparison.Ordinal);
        Assert.Equal(before, await _agent.GetStringAsync(Media));
    }

    [Theory]
    [InlineData("05001")]
    [InlineData("005001")]
    [InlineData("+5001")]
    public async Task AnMrdIdWithALeadingZeroOrASignIsInvalidInputNotAnotherNameForTheMrd(string segment)
    {
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);
        var before = await _agent.GetStringAsync(Media);

        foreach (var response in new[]
        {
            await _agent.GetAsync($"/finesse/api/User/1234/Media/{segment}"),
            await _agent.PutXmlAsync($"/finesse/api/User/1234/Media/{segment}", "<Media><state>READY</state></Media>"),
            await _agent.GetAsync($"/finesse/api/User/1234/Media/{segment}/Dialogs"),
        })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                var xml = await response.Content.ReadAsStringAsync();
                Assert.Contains("<ErrorData>mrdId</ErrorData>", xml, StringComparison.Ordinal);
                Assert.Contains("<ErrorType>Invalid Input</ErrorType>", xml, StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, await _agent.GetStringAsync(Media));
    }

    [Fact]
    public async Task MediaErrorsNameTheMrdInErrorMedia()
    {
        using var response = await _agent.PutXmlAsync(Media, "<Media><state>bogus</state></Media>");

        Assert.Contains("<ErrorMedia>5001</ErrorMedia>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBodyIsRefusedBeforeItIsReadWhole()
    {
        var huge = "<Media><state>READY</state>" + new string(' ', 100_000) + "</Media>";

        using var response = await _agent.PutXmlAsync(Media, huge);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongRequestIdIsRefused()
    {
        using var response = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, new string('r', 300));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<state>LOGOUT</state>", await _agent.GetStringAsync(Media), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE", Media)]
    [InlineData("POST", Media)]
    [InlineData("PUT", "/finesse/api/User/1234/Media")]
    [InlineData("POST", "/finesse/api/SystemInfo")]
    [InlineData("PUT", "/finesse/api/User/1234")]
    public async Task MethodsFinesseDoesNotAllowAre405(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent("<Media/>", Encoding.UTF8, "application/xml") };

        using var response = await _agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("<ErrorType>Method Not Allowed</ErrorType>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFinesseResourceIs404WithApiErrors()
    {
        using var response = await _agent.GetAsync("/finesse/api/Teleporter/1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<ErrorType>Not Found</ErrorType>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutOfServiceAnswers503ButSystemInfoStillReportsIt()
    {
        _factory.Services.GetRequiredService<ServiceStatus>().TakeOutOfService("Notification Service is down");

        using var put = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);
        using var get = await _agent.GetAsync(Media);
        var info = await _agent.GetStringAsync("/finesse/api/SystemInfo");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.Contains("<ErrorType>Service Unavailable</ErrorType>", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        Assert.Contains("<status>OUT_OF_SERVICE</status>", info, StringComparison.Ordinal);

        _factory.Services.GetRequiredService<ServiceStatus>().Restore();
        using var again = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task SystemInfoAnnouncesTheXmppDomains()
    {
        var info = await _agent.GetStringAsync("/finesse/api/SystemInfo");

        Assert.Contains("<status>IN_SERVICE</status>", info, StringComparison.Ordinal);
        Assert.Contains("<xmppDomain>finesse.mrdsim.local</xmppDomain>", info, StringComparison.Ordinal);
        Assert.Contains("<xmppPubSubDomain>pubsub.finesse.mrdsim.local</xmppPubSubDomain>", info, StringComparison.Ordinal);
    }
}
