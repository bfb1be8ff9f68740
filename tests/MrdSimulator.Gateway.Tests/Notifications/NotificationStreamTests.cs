using System.Net;
using System.Xml.Linq;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Notifications;

public sealed class NotificationStreamTests : IDisposable
{
    private const string Media = "/finesse/api/User/1234/Media/5001";
    private readonly SimulatorFactory _factory = new();
    private readonly HttpClient _agent;

    public NotificationStreamTests() => _agent = _factory.ClientFor("1234");

    public void Dispose()
    {
        _agent.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task TheAcceptedRequestAndItsUpdateShareTheRequestId()
    {
        await using var stream = await NotificationStream.OpenAsync(_agent);

        using var response = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "req-41");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(SimulatorFactory.Golden("update-signed-in.xml"), await stream.NextAsync());
    }

    [Fact]
    public async Task RepeatedSignInProducesTheAsynchronousErrorUpdate()
    {
        await using var stream = await NotificationStream.OpenAsync(_agent);
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "req-41");
        await stream.NextAsync();

        using var response = await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "req-42");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(SimulatorFactory.Golden("update-already-logged-in.xml"), await stream.NextAsync());
    }

    [Fact]
    public async Task ReadyWhileReadyProducesNoUpdate()
    {
        await using var stream = await NotificationStream.OpenAsync(_agent);
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "a");
        await _agent.PutXmlAsync(Media, "<Media><state>READY</state></Media>", "b");
        await _agent.PutXmlAsync(Media, "<Media><state>READY</state></Media>", "c");
        await _agent.PutXmlAsync(Media, "<Media><routable>false</routable></Media>", "d");

        var updates = await stream.TakeAsync(3);

        Assert.Equal(["a", "b", "d"], updates.Select(u => XElement.Parse(u).Element("requestId")!.Value));
        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task RefusedRequestsProduceNoUpdate()
    {
        await using var stream = await NotificationStream.OpenAsync(_agent);

        await _agent.PutXmlAsync(Media, "<Media><state>bogus</state></Media>", "refused");
        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "accepted");

        Assert.Contains("<requestId>accepted</requestId>", await stream.NextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserSeesOnlyTheirOwnUpdates()
    {
        using var other = _factory.ClientFor("1235");
        await using var stream = await NotificationStream.OpenAsync(other);

        await _agent.PutXmlAsync(Media, HttpExtensions.SignIn, "mine");
        await other.PutXmlAsync("/finesse/api/User/1235/Media/5001", HttpExtensions.SignIn, "theirs");

        Assert.Contains("<requestId>theirs</requestId>", await stream.NextAsync(), StringComparison.Ordinal);
        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task AThousandConcurrentConflictingPutsReplayAsAValidSequenceOfTheStateMachine()
    {
        await using var stream = await NotificationStream.OpenAsync(_agent);
        var random = new Random(7);
        var kinds = Enumerable.Range(0, 1_000).Select(_ => random.Next(MediaReplay.Requests.Length)).ToArray();

        var responses = await Task.WhenAll(kinds.Select((kind, i) => Task.Run(async () =>
        {
            using var r = await _agent.PutXmlAsync(Media, MediaReplay.Requests[kind].Body, $"c{i}");
            return r.StatusCode;
        })));
        Assert.All(responses, s => Assert.Equal(HttpStatusCode.Accepted, s));

        // Every Update (only READY-while-READY may be missing), replayed in the order they came out.
        var updates = new List<string>();
        while (await stream.NextAsync(TimeSpan.FromSeconds(1)) is { } xml)
        {
            updates.Add(xml);
        }

        var state = MediaReplay.Verify(updates, kinds, SimulatorFactory.GoldenDirectory.FindMrd(5001)!, SimulatorFactory.SampleTime.UtcDateTime);
        var final = XDocument.Parse(await _agent.GetStringAsync(Media)).Root!;
        Assert.Equal(state.State.ToWire(), final.Element("state")!.Value);
        Assert.True(updates.Count > 500);
    }
}
