using System.Net;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class BackendFaultTests : IAsyncLifetime
{
    private const string Ready = "<Media><state>READY</state></Media>";
    private const string Logout = "<Media><state>LOGOUT</state><reasonCodeId>2001</reasonCodeId></Media>";
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task ASignInTimeoutIsAcceptedThenRefusedAsynchronouslyWithoutChangingState()
    {
        await _h.AddAsync("""{"kind":"backend.error","error":"E_ARM_STAT_LOGIN_TIMEOUT"}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);

        using var response = await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5001), HttpExtensions.SignIn, "req-7");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(
            "<Update><data><apiErrors><apiError><errorData>37</errorData><errorMedia>5001</errorMedia><errorMessage>E_ARM_STAT_LOGIN_TIMEOUT</errorMessage>" +
            "<errorType>Login timed out</errorType></apiError></apiErrors></data><event>PUT</event><requestId>req-7</requestId>" +
            "<source>/finesse/api/User/1000/Media/5001</source></Update>",
            await stream.NextAsync());
        Assert.Contains("<state>LOGOUT</state>", await agent.GetStringAsync(ChaosHarness.MediaUri("1000", 5001)), StringComparison.Ordinal);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.BackendError));
    }

    [Fact]
    public async Task OnlyTheChosenOperationsScopesAndMrdsAreRefused()
    {
        await _h.AddAsync("""{"kind":"backend.error","error":"E_ARM_STAT_CC_OFFLINE","operations":["ready"],"scope":{"mrds":[5000]}}""");
        using var agent = _h.Agent("1000");
        await using var stream = await SseSession.OpenAsync(agent);

        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), Ready);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5001), HttpExtensions.SignIn);
        await agent.PutXmlAsync(ChaosHarness.MediaUri("1000", 5001), Ready);

        var updates = await stream.DrainAsync();
        Assert.Equal(4, updates.Count);
        Assert.Contains("<state>NOT_READY</state>", updates[0], StringComparison.Ordinal);
        Assert.Contains("<errorMessage>E_ARM_STAT_CC_OFFLINE</errorMessage><errorType>Central Controller offline</errorType>", updates[1], StringComparison.Ordinal);
        Assert.Contains("<state>READY</state>", updates[3], StringComparison.Ordinal);
        Assert.Contains("<state>NOT_READY</state>", await agent.GetStringAsync(ChaosHarness.MediaUri("1000", 5000)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePerformanceLimitRefusesSignInsOfNewAgentsPastTheLimit()
    {
        await _h.AddAsync("""{"kind":"backend.error","error":"E_ARM_STAT_PERFORMANCE_LIMIT_EXCEEDED","maxSignedIn":2}""");
        using var a = _h.Agent("1000");
        using var b = _h.Agent("1001");
        using var c = _h.Agent("1002");

        await a.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5000), HttpExtensions.SignIn);
        // An agent already counted may sign in to another MRD.
        await a.PutXmlAsync(ChaosHarness.MediaUri("1000", 5001), HttpExtensions.SignIn);
        await c.PutXmlAsync(ChaosHarness.MediaUri("1002", 5000), HttpExtensions.SignIn);

        Assert.Equal(2, (await _h.Engine.SignedInAgentsAsync()));
        Assert.Contains("<state>NOT_READY</state>", await a.GetStringAsync(ChaosHarness.MediaUri("1000", 5001)), StringComparison.Ordinal);
        Assert.Contains("<state>LOGOUT</state>", await c.GetStringAsync(ChaosHarness.MediaUri("1002", 5000)), StringComparison.Ordinal);
        Assert.Equal("login 1002/5000 E_ARM_STAT_PERFORMANCE_LIMIT_EXCEEDED", _h.Engine.Injections().Single().Detail);

        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5000), Logout);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PutXmlAsync(ChaosHarness.MediaUri("1002", 5000), HttpExtensions.SignIn)).StatusCode);

        Assert.Contains("<state>NOT_READY</state>", await c.GetStringAsync(ChaosHarness.MediaUri("1002", 5000)), StringComparison.Ordinal);
        Assert.Equal(1, _h.Engine.InjectedOf(FaultKind.BackendError));
    }

    [Fact]
    public async Task FivePercentOfSignInsTimeOut()
    {
        await _h.AddAsync("""{"kind":"backend.error","error":"E_ARM_STAT_LOGIN_TIMEOUT","probability":"5%","seed":11}""");
        var refused = 0;
        for (var user = 1000; user < 1020; user++)
        {
            using var agent = _h.Agent(user.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var mrd in new[] { 5000, 5001, 5002 })
            {
                for (var round = 0; round < 5; round++)
                {
                    var uri = ChaosHarness.MediaUri(user.ToString(System.Globalization.CultureInfo.InvariantCulture), mrd);
                    Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(uri, HttpExtensions.SignIn)).StatusCode);
                    var signedIn = (await agent.GetStringAsync(uri)).Contains("<state>NOT_READY</state>", StringComparison.Ordinal);
                    refused += signedIn ? 0 : 1;
                    Assert.Equal(HttpStatusCode.Accepted, (await agent.PutXmlAsync(uri, Logout)).StatusCode);
                }
            }
        }

        // 300 sign-ins at 5 %: the seed fixes the count; the bounds only say it is about 5 %.
        Assert.InRange(refused, 5, 30);
        Assert.Equal(refused, _h.Engine.InjectedOf(FaultKind.BackendError));
    }
}
