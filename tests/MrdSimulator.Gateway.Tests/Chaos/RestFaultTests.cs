using System.Net;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class RestFaultTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task NotificationServiceDownAnswers503EverywhereCutsStreamsAndSystemInfoSaysOutOfService()
    {
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);

        await _h.AddAsync("""{"kind":"rest.unavailable","duration":"30s"}""");

        await stream.Ended.WaitAsync(TimeSpan.FromSeconds(5));
        using (var get = await agent.GetAsync(ChaosHarness.MediaUri("1000", 5000)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
            var body = await get.Content.ReadAsStringAsync();
            Assert.Contains("<ErrorType>Service Unavailable</ErrorType>", body, StringComparison.Ordinal);
            Assert.Contains("OUT_OF_SERVICE", body, StringComparison.Ordinal);
        }

        using (var put = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        }

        using (var sse = await agent.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, sse.StatusCode);
        }

        Assert.Contains("<status>OUT_OF_SERVICE</status>", await agent.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        Assert.Equal(3, _h.Engine.InjectedOf(FaultKind.RestUnavailable));
        Assert.Equal(1, _h.Engine.Timeline().SessionsDropped);

        await _h.AdvanceAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("<status>IN_SERVICE</status>", await agent.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        using var after = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        await using var again = await SseSession.OpenAsync(agent);
        Assert.Equal(3, _h.Engine.InjectedOf(FaultKind.RestUnavailable));
    }

    [Fact]
    public async Task ScopedUnavailableHitsOnlyTheNamedUsersAndMrds()
    {
        await _h.AddAsync("""{"kind":"rest.unavailable","scope":{"users":["1000-1001"],"mrds":[5001]}}""");
        using var a = _h.Agent("1000");
        using var b = _h.Agent("1001");
        using var c = _h.Agent("1002");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await a.GetAsync(ChaosHarness.MediaUri("1000", 5001))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5001), HttpExtensions.SignIn)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/finesse/api/User/1000/Media")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync(ChaosHarness.MediaUri("1002", 5001))).StatusCode);
        Assert.Contains("<status>IN_SERVICE</status>", await a.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        Assert.Equal(2, _h.Engine.InjectedOf(FaultKind.RestUnavailable));
    }

    [Fact]
    public async Task LatencyHoldsRequestsUntilTheSimulatorClockPasses()
    {
        await _h.AddAsync("""{"kind":"rest.latency","latency":"2s","scope":{"users":["1000"]}}""");
        using var slow = _h.Agent("1000");
        using var fast = _h.Agent("1001");

        var pending = slow.GetAsync(ChaosHarness.MediaUri("1000", 5000));
        Assert.Equal(HttpStatusCode.OK, (await fast.GetAsync(ChaosHarness.MediaUri("1001", 5000))).StatusCode);
        await Task.Delay(300);
        Assert.False(pending.IsCompleted);
        _h.Factory.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        _h.Factory.Time.Advance(TimeSpan.FromSeconds(1));

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("+2000ms", Assert.Single(_h.Engine.Injections()).Detail);
    }

    [Fact]
    public async Task ServerErrorsAnswerTheConfiguredStatusWithAnApiErrorsBody()
    {
        await _h.AddAsync("""{"kind":"rest.error","status":502}""");
        using var agent = _h.Agent("1000");

        using var response = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.EndsWith("<ErrorType>Generic Error</ErrorType></ApiError></ApiErrors>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("<state>LOGOUT</state>", await GetAfterClearing(agent), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetsAbortTheConnectionWithoutAnAnswer()
    {
        await _h.AddAsync("""{"kind":"rest.reset","scope":{"mrds":[5002]}}""");
        using var agent = _h.Agent("1000");

        await Assert.ThrowsAnyAsync<Exception>(() => agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5002), HttpExtensions.SignIn));

        Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn)).StatusCode);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.RestReset));
    }

    [Fact]
    public async Task ProbabilityHitsAShareOfRequestsAndEveryHitIsCounted()
    {
        await _h.AddAsync("""{"kind":"rest.unavailable","probability":0.3,"seed":5}""");
        using var agent = _h.Agent("1000");

        var unavailable = 0;
        for (var i = 0; i < 200; i++)
        {
            using var response = await agent.GetAsync(ChaosHarness.MediaUri("1000", 5000));
            unavailable += response.StatusCode == HttpStatusCode.ServiceUnavailable ? 1 : 0;
        }

        Assert.InRange(unavailable, 35, 85);
        Assert.Equal(unavailable, _h.Engine.InjectedOf(FaultKind.RestUnavailable));
        Assert.Equal(unavailable, _h.Engine.Faults().Single().Injected);
        Assert.Contains("<status>IN_SERVICE</status>", await agent.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTaskApiFaultAnswers503OnlyOnTheTaskApi()
    {
        await _h.AddAsync("""{"kind":"task.unavailable"}""");
        using var anonymous = _h.Factory.CreateClient();
        using var agent = _h.Agent("1000");

        using var task = await anonymous.PostAsync("/ccp/task/feed/100080", new StringContent("<Task/>"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, task.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.TaskUnavailable));
    }

    private async Task<string> GetAfterClearing(HttpClient agent)
    {
        await _h.ClearAsync();
        return await agent.GetStringAsync(ChaosHarness.MediaUri("1000", 5000));
    }
}
