using System.Net;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Chaos;

public sealed class FailoverTests : IAsyncLifetime
{
    private readonly ChaosHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task FailoverDropsSignedInAgentsToWorkNotReadyCutsSessionsAndTheyMustSignInAgainAfterRecovery()
    {
        using var a = _h.Agent("1000");
        using var b = _h.Agent("1001");
        using var idle = _h.Agent("1002");
        foreach (var mrd in new[] { 5000, 5001, 5002 })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await a.PutXmlAsync(ChaosHarness.MediaUri("1000", mrd), HttpExtensions.SignIn)).StatusCode);
        }

        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5001), HttpExtensions.SignIn);
        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5001), "<Media><state>READY</state></Media>");
        await using var streamA = await SseSession.OpenAsync(a);
        await using var streamB = await SseSession.OpenAsync(b);
        await using var streamIdle = await SseSession.OpenAsync(idle);

        await _h.AddAsync("""{"id":"side-a","kind":"failover","duration":"20s","sessionGrace":"250ms"}""");

        // The failover Updates reach the sessions before they are cut.
        var updatesA = await streamA.DrainAsync();
        Assert.Equal(3, updatesA.Count);
        Assert.All(updatesA, u => Assert.Contains("<routable>false</routable><state>WORK_NOT_READY</state>", u, StringComparison.Ordinal));
        Assert.Contains("<state>WORK_NOT_READY</state>", Assert.Single(await streamB.DrainAsync()), StringComparison.Ordinal);
        Assert.False(streamA.Ended.IsCompleted);
        _h.Factory.Time.Advance(TimeSpan.FromMilliseconds(250));
        await Task.WhenAll(streamA.Ended, streamB.Ended, streamIdle.Ended).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, _h.Engine.Timeline().SessionsDropped);

        // While the side is down: 503 everywhere but SystemInfo, no new sessions.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await a.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await a.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead)).StatusCode);
        Assert.Contains("<status>OUT_OF_SERVICE</status>", await a.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);

        await _h.AdvanceAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("<status>IN_SERVICE</status>", await a.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        var media = await a.GetStringAsync(ChaosHarness.MediaUri("1000", 5001));
        // The sign-in options lived on the failed side: forgotten.
        Assert.Contains("<dialogLogoutAction/>", media, StringComparison.Ordinal);
        Assert.Contains("<maxDialogLimit/>", media, StringComparison.Ordinal);
        Assert.Contains("<interruptAction/>", media, StringComparison.Ordinal);
        Assert.Contains("<state>WORK_NOT_READY</state>", media, StringComparison.Ordinal);
        Assert.Contains("<state>LOGOUT</state>", await idle.GetStringAsync(ChaosHarness.MediaUri("1002", 5000)), StringComparison.Ordinal);
        Assert.Equal(0, (await _h.Engine.SignedInAgentsAsync()));

        // READY is refused until the agent signs in again; then it works.
        await using var again = await SseSession.OpenAsync(b);
        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5001), "<Media><state>READY</state></Media>", "too-early");
        Assert.Contains("<errorMessage>E_ARM_STAT_AGENT_NOT_LOGGED_IN</errorMessage>", await again.NextAsync(), StringComparison.Ordinal);
        await b.PutXmlAsync(ChaosHarness.MediaUri("1001", 5001), HttpExtensions.SignIn, "re-sign-in");
        var signedIn = await again.NextAsync();
        Assert.Contains("<state>NOT_READY</state>", signedIn, StringComparison.Ordinal);
        Assert.Contains("<maxDialogLimit>10</maxDialogLimit>", signedIn, StringComparison.Ordinal);
        Assert.Equal(1, (await _h.Engine.SignedInAgentsAsync()));

        var failedOver = _h.Engine.Injections().Where(i => i.FaultId == "side-a" && i.Detail.Contains("->", StringComparison.Ordinal)).Select(i => i.Detail);
        Assert.Equal(["1000/5000 -> WORK_NOT_READY", "1000/5001 -> WORK_NOT_READY", "1000/5002 -> WORK_NOT_READY", "1001/5001 -> WORK_NOT_READY"], failedOver);
    }

    [Fact]
    public async Task ClearingAFailoverBringsTheSideBackAtOnce()
    {
        using var a = _h.Agent("1000");
        await a.PutXmlAsync(ChaosHarness.MediaUri("1000", 5000), HttpExtensions.SignIn);
        await _h.AddAsync("""{"kind":"failover","state":"WORK"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await a.GetAsync(ChaosHarness.MediaUri("1000", 5000))).StatusCode);

        await _h.ClearAsync();

        Assert.Contains("<state>WORK</state>", await a.GetStringAsync(ChaosHarness.MediaUri("1000", 5000)), StringComparison.Ordinal);
        Assert.Contains("<status>IN_SERVICE</status>", await a.GetStringAsync("/finesse/api/SystemInfo"), StringComparison.Ordinal);
        Assert.True(_h.Engine.InjectedOf(FaultKind.Failover) >= 2);
    }
}
