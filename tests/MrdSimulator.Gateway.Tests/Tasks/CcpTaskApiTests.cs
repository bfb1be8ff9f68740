using System.Net;
using Microsoft.AspNetCore.Http;

namespace MrdSimulator.Gateway.Tests.Tasks;

public sealed class CcpTaskApiTests : IDisposable
{
    private readonly TaskHttp _http = new();

    public void Dispose() => _http.Dispose();

    public static TheoryData<string, string, HttpStatusCode, string> BadRequests() => new()
    {
        { "/ccp/task/feed/100", "<Task><name>Jane</name><scriptSelector>Chat_SS</scriptSelector></Task>", HttpStatusCode.BadRequest, "<errorData>title</errorData>" },
        { "/ccp/task/feed/100", "<Task><title>t</title><scriptSelector>Chat_SS</scriptSelector></Task>", HttpStatusCode.BadRequest, "<errorData>name</errorData>" },
        { "/ccp/task/feed/100", TaskHttp.TaskXml(new string('S', 33)), HttpStatusCode.BadRequest, "<errorData>scriptSelector</errorData>" },
        { "/ccp/task/feed/100", TaskHttp.TaskXml(name: new string('n', 101)), HttpStatusCode.BadRequest, "<errorData>name</errorData>" },
        { "/ccp/task/feed/100", TaskHttp.TaskXml(extra: "<tags>" + string.Concat(Enumerable.Range(0, 21).Select(i => $"<tag>t{i}</tag>")) + "</tags>"), HttpStatusCode.BadRequest, "<errorData>tags</errorData>" },
        { "/ccp/task/feed/100", TaskHttp.TaskXml(extra: "<variables>" + string.Concat(Enumerable.Range(0, 101).Select(i => $"<variable><name>v{i}</name><value>x</value></variable>")) + "</variables>"), HttpStatusCode.BadRequest, "<errorData>variables</errorData>" },
        { "/ccp/task/feed/100", TaskHttp.TaskXml(extra: "<requeueOnRecovery>maybe</requeueOnRecovery>"), HttpStatusCode.BadRequest, "<errorData>requeueOnRecovery</errorData>" },
        { "/ccp/task/feed/100", "<Task><name>Jane</name>", HttpStatusCode.BadRequest, "<errorType>invalidInput</errorType>" },
        { "/ccp/task/feed/999", TaskHttp.TaskXml(), HttpStatusCode.NotFound, "<errorData>999</errorData>" },
        { "/ccp/rest/task/feed/abc", TaskHttp.TaskXml(), HttpStatusCode.NotFound, "<errorType>notFound</errorType>" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadTaskRequestsGetTheCcpStatusAndALowerCamelApiErrorsBody(string path, string body, HttpStatusCode status, string expected)
    {
        var response = await _http.Anonymous.PostAsync(path, TaskHttp.Xml(body));

        Assert.Equal(status, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("<apiErrors><apiError>", text, StringComparison.Ordinal);
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task PostAnswers201WithALocationOnTheSamePrefixAndThePollShowsTheTaskQueued()
    {
        foreach (var prefix in new[] { "/ccp/task", "/ccp/rest/task" })
        {
            var response = await _http.Anonymous.PostAsync($"{prefix}/feed/100", TaskHttp.Xml(TaskHttp.TaskXml(extra: "<!-- a comment --><customerUID>x</customerUID><tags><tag>vip</tag></tags>")));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var location = response.Headers.Location!;
            Assert.Matches($"^http://localhost{prefix}/contact/[0-9A-F]{{32}}$", location.ToString());
            Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());

            var poll = await _http.Anonymous.GetStringAsync(location.AbsolutePath);
            Assert.Contains("<estimatedWaitTime>-1</estimatedWaitTime>", poll, StringComparison.Ordinal);
            Assert.Contains("<status>queued</status><statusReason>EXTERNALLY_ROUTED</statusReason>", poll, StringComparison.Ordinal);
            Assert.DoesNotContain("<taskID>", poll, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheLocationNamesTheHostTheClientAddressedSoItSurvivesAPortMap()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ccp/task/feed/100") { Content = TaskHttp.Xml(TaskHttp.TaskXml()) };
        request.Headers.Host = "tasks.example:8443";

        using var response = await _http.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Matches("^http://tasks.example:8443/ccp/task/contact/[0-9A-F]{32}$", response.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("evil.example/phish?x=")]
    [InlineData("user@evil.example")]
    public async Task WithoutAWellFormedHostTheLocationNamesTheAddressTheConnectionArrivedOn(string host)
    {
        var context = await _http.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/ccp/task/feed/100";
            c.Request.Host = new HostString(host);
            c.Request.ContentType = "application/xml";
            c.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(TaskHttp.TaskXml()));
            c.Connection.LocalIpAddress = IPAddress.Loopback;
            c.Connection.LocalPort = 5080;
        });

        Assert.Equal(StatusCodes.Status201Created, context.Response.StatusCode);
        Assert.Matches("^http://127.0.0.1:5080/ccp/task/contact/[0-9A-F]{32}$", context.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task GetToCreateTakesQueryParametersAndTagsAndVariables()
    {
        var response = await _http.Anonymous.GetAsync("/ccp/rest/task/feed/100?name=Jane&title=Hello&scriptSelector=Task_SS&tags=a,b&variable_cv_1=42&variable_cv_2=&variable_user_user.x=y");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("/ccp/rest/task/contact/", response.Headers.Location!.AbsolutePath, StringComparison.Ordinal);

        var missing = await _http.Anonymous.GetAsync("/ccp/task/feed/100?name=Jane&scriptSelector=Task_SS");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task UnknownScriptSelectorIsAcceptedAndEndsDiscarded()
    {
        var contact = await _http.SubmitAsync("No_Such_DN");
        var poll = await _http.Anonymous.GetStringAsync(contact);
        Assert.Contains("<status>discarded</status><statusReason>NOTIFICATION_INVALID_SCRIPT_SELECTOR</statusReason>", poll, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteCancelsAQueuedTaskButNotOneAlreadyReservedAndUnknownContactsAre404()
    {
        var queued = await _http.SubmitAsync("Email_SS");
        Assert.Equal(HttpStatusCode.OK, (await _http.Anonymous.DeleteAsync(queued)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.Anonymous.GetAsync(queued)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.Anonymous.DeleteAsync(queued)).StatusCode);

        await _http.SignInReadyAsync("1003", 5002);
        var reserved = await _http.SubmitAsync("Task_SS");
        await _http.WaitForStatusAsync(reserved, "reserved");
        var refused = await _http.Anonymous.DeleteAsync(reserved);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<apiErrors>", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.Anonymous.GetAsync("/ccp/task/contact/0123456789ABCDEF0123456789ABCDEF")).StatusCode);
    }

    [Fact]
    public async Task ScriptSelectorsListsTheDirectorySelectorsToAuthenticatedUsersOnly()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.Anonymous.GetAsync("/finesse/api/ScriptSelectors")).StatusCode);
        var all = await _http.As("1000").GetStringAsync("/finesse/api/ScriptSelectors");
        Assert.Contains("<ScriptSelector><MrdID>5000</MrdID><Name>MR_PIM_CCP.Chat_SS</Name><DialedNumber>Chat_SS</DialedNumber>", all, StringComparison.Ordinal);
        Assert.DoesNotContain("<ScriptSelector>", await _http.As("1000").GetStringAsync("/finesse/api/ScriptSelectors?mrdType=voice"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.As("1000").GetAsync("/finesse/api/ScriptSelectors?mrdType=fax")).StatusCode);
    }

    [Fact]
    public async Task CapacityNeedsTheAdminTokenAndReportsPerMrdFigures()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.Anonymous.GetAsync("/admin/capacity")).StatusCode);
        await _http.SubmitAsync("Email_SS");

        // The submission reaches the MRD's queue grain asynchronously: poll until the figures show it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        System.Text.Json.JsonElement email;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/capacity");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TaskHttp.AdminToken);
            using var response = await _http.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            email = json.RootElement.GetProperty("mrds").EnumerateArray().Single(m => m.GetProperty("mrdId").GetInt32() == 5001).Clone();
            if (email.GetProperty("queued").GetInt32() == 1 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Equal(1, email.GetProperty("submitted").GetInt64());
        Assert.Equal(1, email.GetProperty("queued").GetInt32());
    }
}
