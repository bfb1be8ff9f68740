using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Gateway.Tests.Tasks;

public sealed class CcpWebappApiTests : IDisposable
{
    private const string Renotify = "<Task><scriptSelector>Task_SS</scriptSelector><reNotifyReason>ROUTE_SERVICE_TRANSFER</reNotifyReason></Task>";

    private readonly TaskHttp _http = new();

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(null, null)]
    [InlineData("admin", "wrong-password")]
    [InlineData("1000", "password")]
    [InlineData("Admin", TaskHttp.AdminToken)]
    public async Task TheWebappApisAnswer401WithoutTheAdministratorsBasicCredentials(string? user, string? password)
    {
        var contact = await _http.SubmitAsync("Email_SS");
        var id = TaskHttp.IdOf(contact);
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/ccp-webapp/ccp/feed"), (HttpMethod.Get, "/ccp-webapp/ccp/feed/100"), (HttpMethod.Get, $"/ccp-webapp/ccp/socialcontact/{id}"), (HttpMethod.Put, $"/ccp-webapp/ccp/task/{id}/renotify") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Put ? TaskHttp.Xml(Renotify) : null };
            if (user is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
            }

            using var response = await _http.Anonymous.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic realm=\"CCP\"", response.Headers.WwwAuthenticate.ToString());
            Assert.Contains("<errorType>unauthorized</errorType>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Nothing was renotified.
        Assert.Contains("<statusReason>EXTERNALLY_ROUTED</statusReason>", await _http.Anonymous.GetStringAsync(contact), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFeedListShowsEachTaskFeedWithThePushUrlTasksArePostedTo()
    {
        var admin = _http.CcpAdmin();

        var list = await admin.GetStringAsync("/ccp-webapp/ccp/feed?summary=false");

        const string feed = "<Feed><changeStamp>0</changeStamp><description>Feed for Universal Queuing</description><name>Cisco_Default_Task_Feed</name>"
            + "<pushFeedURL>http://localhost/ccp/task/feed/100</pushFeedURL><refURL>http://localhost/ccp-webapp/ccp/feed/100</refURL>"
            + "<status>1</status><tags><tag>cisco_uq_tag</tag></tags><type>12</type></Feed>";
        Assert.Equal($"{Domain.Xml.XmlOut.Declaration}<Feeds>{feed}</Feeds>", list);
        Assert.Equal($"{Domain.Xml.XmlOut.Declaration}{feed}", await admin.GetStringAsync("/ccp-webapp/ccp/feed/100"));
        Assert.Equal(HttpStatusCode.Created, (await _http.Anonymous.PostAsync("/ccp/task/feed/100", TaskHttp.Xml(TaskHttp.TaskXml()))).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/ccp-webapp/ccp/feed/999")).StatusCode);
        using var badSummary = await admin.GetAsync("/ccp-webapp/ccp/feed?summary=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, badSummary.StatusCode);
        Assert.Contains("<errorData>summary</errorData>", await badSummary.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSocialContactShowsTheTasksRequestAndStatusEvenAfterACancel()
    {
        var contact = await _http.SubmitAsync("Email_SS",
            "<description>Late delivery</description><tags><tag>vip</tag></tags><variables><variable><name>cv_1</name><value>4711</value></variable><variable><name>podRefURL</name><value>x</value></variable></variables>");
        var id = TaskHttp.IdOf(contact);
        var admin = _http.CcpAdmin();

        var queued = await admin.GetStringAsync($"/ccp-webapp/ccp/socialcontact/{id}");

        Assert.StartsWith($"{Domain.Xml.XmlOut.Declaration}<SocialContact><author>Jane</author><createdDate>", queued, StringComparison.Ordinal);
        Assert.Contains(
            "<description>Late delivery</description><extensionFields><extensionField><name>cv_1</name><value>4711</value></extensionField>"
            + $"<extensionField><name>podRefURL</name><value>x</value></extensionField></extensionFields><id>{id}</id><publishedDate>",
            queued, StringComparison.Ordinal);
        Assert.Contains(
            $"<refURL>http://localhost/ccp-webapp/ccp/socialcontact/{id}</refURL><sourceType>task</sourceType><status>queued</status><statusReason>EXTERNALLY_ROUTED</statusReason><statusTimestamp>",
            queued, StringComparison.Ordinal);
        Assert.EndsWith("<statusUserId/><tags><tag>vip</tag></tags><title>Order 4711</title></SocialContact>", queued, StringComparison.Ordinal);

        // After a cancel the task URL is gone (404) but the social contact still tells what became of it (ccp §5).
        Assert.Equal(HttpStatusCode.OK, (await _http.Anonymous.DeleteAsync(contact)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.Anonymous.GetAsync(contact)).StatusCode);
        Assert.Contains("<status>discarded</status><statusReason>NOTIFICATION_CCE_TASK_CANCEL_SUCCEEDED</statusReason>",
            await admin.GetStringAsync($"/ccp-webapp/ccp/socialcontact/{id}"), StringComparison.Ordinal);

        using var unknown = await admin.GetAsync("/ccp-webapp/ccp/socialcontact/0123456789ABCDEF0123456789ABCDEF");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("<errorType>notFound</errorType>", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/ccp-webapp/ccp/socialcontact/not-a-contact")).StatusCode);
    }

    [Fact]
    public async Task TheSocialContactOfAReservedTaskNamesItsAgent()
    {
        await _http.SignInReadyAsync("1003", 5002);
        var contact = await _http.SubmitAsync("Task_SS");
        await _http.WaitForStatusAsync(contact, "reserved");

        var social = await _http.CcpAdmin().GetStringAsync($"/ccp-webapp/ccp/socialcontact/{TaskHttp.IdOf(contact)}");

        Assert.Contains("<status>reserved</status><statusReason>EXTERNALLY_ROUTED</statusReason>", social, StringComparison.Ordinal);
        Assert.Contains("<statusUserId>1003</statusUserId>", social, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenotifyResubmitsAQueuedTaskToTheScriptSelectorsMrdAsANewTaskOnTheSameContact()
    {
        var contact = await _http.SubmitAsync("Chat_SS");
        var id = TaskHttp.IdOf(contact);

        using var renotified = await _http.CcpAdmin().PutAsync($"/ccp-webapp/ccp/task/{id}/renotify", TaskHttp.Xml(Renotify));

        Assert.Equal(HttpStatusCode.OK, renotified.StatusCode);
        Assert.Contains("<status>queued</status><statusReason>TASK_RENOTIFY_REQUESTED</statusReason>", await _http.Anonymous.GetStringAsync(contact), StringComparison.Ordinal);
        await _http.SignInReadyAsync("1003", 5002);
        var reserved = await _http.WaitForStatusAsync(contact, "reserved");
        Assert.Contains("<agentID>1003</agentID>", reserved, StringComparison.Ordinal);
        var record = await _http.Services.GetRequiredService<IGrainFactory>().GetGrain<IContactGrain>(id).GetAsync();
        Assert.Equal([(5000, TaskOutcome.Renotified), (5002, TaskOutcome.Live)], record!.Legs.Select(l => (l.MrdId, l.Outcome)));
        Assert.Equal(record.TaskId, TaskHttp.Between(reserved, "<taskID>", "</taskID>"));
        Assert.NotEqual(record.Legs[0].TaskId, record.TaskId);
    }

    public static TheoryData<string, string, string> BadRenotifyBodies() => new()
    {
        { "<Task><scriptSelector>Task_SS</scriptSelector>", "<errorType>invalidInput</errorType>", "<errorData>Task</errorData>" },
        { "<Task><reNotifyReason>ROUTE_SERVICE_RECOVERY</reNotifyReason></Task>", "<errorType>missingParameter</errorType>", "<errorData>scriptSelector</errorData>" },
        { $"<Task><scriptSelector>{new string('S', 33)}</scriptSelector></Task>", "longer than 32 characters", "<errorData>scriptSelector</errorData>" },
        { "<Task><scriptSelector>No_Such_DN</scriptSelector></Task>", "No script selector 'No_Such_DN' is configured", "<errorData>scriptSelector</errorData>" },
        { "<Task><scriptSelector>Task_SS</scriptSelector><reNotifyReason>ROUTE_SERVICE_WHIM</reNotifyReason></Task>", "must be ROUTE_SERVICE_TRANSFER or ROUTE_SERVICE_RECOVERY", "<errorData>reNotifyReason</errorData>" },
        { "<Task><scriptSelector>Task_SS</scriptSelector><scriptSelector>Chat_SS</scriptSelector></Task>", "appears more than once", "<errorData>scriptSelector</errorData>" },
    };

    [Theory]
    [MemberData(nameof(BadRenotifyBodies))]
    public async Task RenotifyWithABodyCcpCannotTakeAnswers400AndLeavesTheTaskQueued(string body, string expected, string errorData)
    {
        var contact = await _http.SubmitAsync("Chat_SS");

        using var response = await _http.CcpAdmin().PutAsync($"/ccp-webapp/ccp/task/{TaskHttp.IdOf(contact)}/renotify", TaskHttp.Xml(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Contains(errorData, text, StringComparison.Ordinal);
        Assert.Contains("<statusReason>EXTERNALLY_ROUTED</statusReason>", await _http.Anonymous.GetStringAsync(contact), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenotifyAnswers404ForAnUnknownContactAnd412ForATaskNotWaitingInAQueue()
    {
        var admin = _http.CcpAdmin();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/ccp-webapp/ccp/task/0123456789ABCDEF0123456789ABCDEF/renotify", TaskHttp.Xml(Renotify))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/ccp-webapp/ccp/task/nope/renotify", TaskHttp.Xml(Renotify))).StatusCode);

        await _http.SignInReadyAsync("1003", 5002);
        var reserved = await _http.SubmitAsync("Task_SS");
        await _http.WaitForStatusAsync(reserved, "reserved");
        using var withAgent = await admin.PutAsync($"/ccp-webapp/ccp/task/{TaskHttp.IdOf(reserved)}/renotify", TaskHttp.Xml(Renotify));
        Assert.Equal(HttpStatusCode.PreconditionFailed, withAgent.StatusCode);
        Assert.Contains("this one is reserved (EXTERNALLY_ROUTED): an agent has it, and the agent transfers it (Dialog TRANSFER)", await withAgent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var cancelled = await _http.SubmitAsync("Email_SS");
        Assert.Equal(HttpStatusCode.OK, (await _http.Anonymous.DeleteAsync(cancelled)).StatusCode);
        using var ended = await admin.PutAsync($"/ccp-webapp/ccp/task/{TaskHttp.IdOf(cancelled)}/renotify", TaskHttp.Xml(Renotify));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ended.StatusCode);
        var text = await ended.Content.ReadAsStringAsync();
        Assert.Contains("<errorType>invalidState</errorType>", text, StringComparison.Ordinal);
        Assert.Contains("it has ended, so submit a new task", text, StringComparison.Ordinal);
    }
}
