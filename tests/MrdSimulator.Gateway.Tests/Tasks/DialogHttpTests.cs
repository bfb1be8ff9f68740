using System.Net;

namespace MrdSimulator.Gateway.Tests.Tasks;

public sealed class DialogHttpTests : IDisposable
{
    private readonly TaskHttp _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task ASubmittedTaskIsOfferedOverTheNotificationStreamAndTheAgentWorksItToHandled()
    {
        var agent = _http.As("1000");
        using var stream = await agent.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        await _http.SignInReadyAsync("1000", 5000);

        var contact = await _http.SubmitAsync("Chat_SS", "<variables><variable><name>cv_1</name><value>4711</value></variable></variables>");
        var reserved = await _http.WaitForStatusAsync(contact, "reserved");
        var taskId = TaskHttp.Between(reserved, "<taskID>", "</taskID>");
        Assert.Contains("<agentID>1000</agentID>", reserved, StringComparison.Ordinal);

        var offer = await ReadUntilAsync(reader, "<event>POST</event>");
        Assert.Contains($"<id>{taskId}</id>", offer, StringComparison.Ordinal);
        Assert.Contains("<source>/finesse/api/User/1000/Media/5000/Dialogs</source>", offer, StringComparison.Ordinal);

        var dialog = await agent.GetStringAsync($"/finesse/api/Dialog/{taskId}");
        Assert.Contains("<state>OFFERED</state>", dialog, StringComparison.Ordinal);
        Assert.Contains("<CallVariable><name>callVariable1</name><value>4711</value></CallVariable>", dialog, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.As("1001").GetAsync($"/finesse/api/Dialog/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.As("1001").PutAsync($"/finesse/api/Dialog/{taskId}", TaskHttp.Xml("<Dialog><requestedAction>ACCEPT</requestedAction></Dialog>"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/finesse/api/Dialog/1_2_3")).StatusCode);

        var wrong = await agent.PutAsync($"/finesse/api/Dialog/{taskId}", TaskHttp.Xml("<Dialog><requestedAction>START</requestedAction></Dialog>"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Invalid &apos;requestedAction&apos; specified for task", (await wrong.Content.ReadAsStringAsync()).Replace("'", "&apos;", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PutAsync($"/finesse/api/Dialog/{taskId}", TaskHttp.Xml("<Dialog></Dialog>"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PutAsync($"/finesse/api/Dialog/{taskId}", TaskHttp.Xml("<Dialog><requestedAction>DANCE</requestedAction></Dialog>"))).StatusCode);

        foreach (var action in new[] { "ACCEPT", "START", "WRAP_UP" })
        {
            var put = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/Dialog/{taskId}") { Content = TaskHttp.Xml($"<Dialog><requestedAction>{action}</requestedAction></Dialog>") };
            put.Headers.Add("requestId", "r-" + action);
            Assert.Equal(HttpStatusCode.Accepted, (await agent.SendAsync(put)).StatusCode);
            var update = await ReadUntilAsync(reader, $"<requestId>r-{action}</requestId>");
            Assert.Contains($"<event>PUT</event><requestId>r-{action}</requestId><source>/finesse/api/Dialog/{taskId}</source>", update, StringComparison.Ordinal);
        }

        var list = await agent.GetStringAsync("/finesse/api/User/1000/Media/5000/Dialogs");
        Assert.Contains("<state>WRAPPING_UP</state>", list, StringComparison.Ordinal);
        Assert.Contains("<actions><action>CLOSE</action></actions>", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.GetAsync("/finesse/api/User/1001/Media/5000/Dialogs")).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutAsync($"/finesse/api/Dialog/{taskId}", TaskHttp.Xml("<Dialog><requestedAction>CLOSE</requestedAction></Dialog>"))).StatusCode);
        var closed = await ReadUntilAsync(reader, "<event>DELETE</event>");
        Assert.Contains("<dispositionCode>CD_NORMAL_END_TASK</dispositionCode>", closed, StringComparison.Ordinal);
        var handled = await _http.WaitForStatusAsync(contact, "handled");
        Assert.Contains($"<taskID>{taskId}</taskID><agentID>1000</agentID>", handled, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignOutWithTransferSendsTheTasksToAnotherAgentAsNewTasks()
    {
        await _http.SignInReadyAsync("1000", 5000, limit: 2, logout: "TRANSFER");
        var first = await _http.SubmitAsync();
        var second = await _http.SubmitAsync();
        var ids = new List<string>();
        foreach (var contact in new[] { first, second })
        {
            var id = TaskHttp.Between(await _http.WaitForStatusAsync(contact, "reserved"), "<taskID>", "</taskID>");
            ids.Add(id);
            var accept = await _http.As("1000").PutAsync($"/finesse/api/Dialog/{id}", TaskHttp.Xml("<Dialog><requestedAction>ACCEPT</requestedAction></Dialog>"));
            Assert.True(accept.StatusCode == HttpStatusCode.Accepted, await accept.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Accepted, (await _http.As("1000").PutAsync("/finesse/api/User/1000/Media/5000", TaskHttp.Xml("<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>"))).StatusCode);
        foreach (var contact in new[] { first, second })
        {
            Assert.Contains("<statusReason>TASK_RENOTIFY_REQUESTED</statusReason>", await _http.WaitForStatusAsync(contact, "queued"), StringComparison.Ordinal);
        }

        await _http.SignInReadyAsync("1001", 5000, limit: 2);
        foreach (var (contact, oldId) in new[] { first, second }.Zip(ids))
        {
            var now = await _http.WaitForStatusAsync(contact, "reserved");
            Assert.Contains("<agentID>1001</agentID>", now, StringComparison.Ordinal);
            Assert.DoesNotContain(oldId, now, StringComparison.Ordinal);
        }

        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(await _http.As("1001").GetStringAsync("/finesse/api/User/1001/Media/5000/Dialogs"), "<Dialog>"));
    }

    private static async Task<string> ReadUntilAsync(StreamReader reader, string marker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(marker, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"stream ended before {marker}");
    }
}
