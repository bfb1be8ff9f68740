using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Gateway.Tests.Tasks;

public sealed class TaskIntakeHttpTests
{
    [Fact]
    public async Task ASubmissionToAFullQueueGets503WithRetryAfterAndABodyNamingTheLimitAndNoLocation()
    {
        using var http = new TaskHttp(("Tasks:MaxTasksInQueue", "2"));
        await http.SubmitAsync("Email_SS");
        await http.SubmitAsync("Email_SS");

        using var refused = await http.Anonymous.PostAsync("/ccp/task/feed/100", TaskHttp.Xml(TaskHttp.TaskXml("Email_SS")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        Assert.Null(refused.Headers.Location);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains(
            "<apiErrors><apiError><errorData>Email_SS</errorData><errorMessage>The queue of MRD 5001 (Cisco_Email_MRD) holds 2 tasks, its limit (maxTasksInQueue 2); submit again once tasks are routed or cancelled",
            body, StringComparison.Ordinal);
        Assert.Contains("--max-tasks-in-queue", body, StringComparison.Ordinal);
        Assert.Contains("<errorType>queueFull</errorType>", body, StringComparison.Ordinal);
        var storage = http.Services.GetRequiredService<InProcessGrainStorage>();
        Assert.Equal(2, storage.Entries<ContactState>("contact").Count());

        using var byQuery = await http.Anonymous.GetAsync("/ccp/rest/task/feed/100?name=Jane&title=Hello&scriptSelector=Email_SS");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, byQuery.StatusCode);

        // The limit is per MRD: chat still takes tasks.
        await http.SubmitAsync("Chat_SS");
    }

    [Fact]
    public async Task ATaskWhoseRequestWouldPassTheQueuesMemoryLimitGets503NamingThatLimit()
    {
        using var http = new TaskHttp(("Tasks:MaxQueueMiB", "1"));
        var large = $"<variables><variable><name>note</name><value>{new string('x', 200_000)}</value></variable></variables>";
        await http.SubmitAsync("Chat_SS", large);
        await http.SubmitAsync("Chat_SS", large);

        using var refused = await http.Anonymous.PostAsync("/ccp/task/feed/100", TaskHttp.Xml(TaskHttp.TaskXml("Chat_SS", extra: large)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<errorMessage>The tasks queued in MRD 5000 (Cisco_Chat_MRD) hold 0.8 MiB of request data, and this one would pass the queue's limit of 1 MiB", body, StringComparison.Ordinal);
        Assert.Contains("Tasks:MaxQueueMiB", body, StringComparison.Ordinal);
        await http.SubmitAsync("Chat_SS");
    }

    [Fact]
    public async Task FinishedContactsPastTheirMemoryBudgetAreForgottenOldestFirstAndTheirPollAnswers404()
    {
        using var http = new TaskHttp(("Tasks:FinishedContactsMiB", "1"));
        var large = $"<variables><variable><name>note</name><value>{new string('x', 200_000)}</value></variable></variables>";
        var first = await http.SubmitAsync("No_Such_DN", large);
        var second = await http.SubmitAsync("No_Such_DN", large);
        Assert.Equal(HttpStatusCode.OK, (await http.Anonymous.GetAsync(first)).StatusCode);

        var third = await http.SubmitAsync("No_Such_DN", large);

        await Eventually.TrueAsync(async () => (await http.Anonymous.GetAsync(first)).StatusCode == HttpStatusCode.NotFound, "the oldest finished contact to be forgotten");
        foreach (var kept in new[] { second, third })
        {
            Assert.Contains("<status>discarded</status>", await http.Anonymous.GetStringAsync(kept), StringComparison.Ordinal);
        }
    }
}
