using System.Net;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.Grains.Storage;
using Orleans.Storage;

namespace MrdSimulator.Gateway.Tests.Media;

/// <summary>
/// A grain whose queue is full (Orleans' per-activation limit, <c>--mailbox-capacity</c>) refuses new requests with
/// 503 and an ApiErrors body, and loses none it already took.
/// </summary>
public sealed class MailboxTests
{
    private const string Media = "/finesse/api/User/1234/Media/5001";

    [Fact]
    public async Task AFullGrainAnswers503AndLosesNothingItAccepted()
    {
        var storage = new GatedStorage();
        using var factory = new SimulatorFactory { GrainStorage = storage, Settings = new Dictionary<string, string?> { ["Simulator:MailboxCapacity"] = "2" } };
        using var agent = factory.ClientFor("1234");
        await using var stream = await NotificationStream.OpenAsync(agent);

        // The first request holds the grain: its state write waits at the gate (opened whatever happens, so that a
        // failed assertion is reported instead of a host that cannot stop).
        storage.Close();
        using var open = new Opener(storage);
        var first = agent.PutXmlAsync(Media, HttpExtensions.SignIn, "first");
        await storage.WaitForWriterAsync();

        // Room for two to wait behind the running one: of six more requests two wait and four are refused, whatever
        // order they arrive in. All NOT_READY, which always publishes (READY while READY would publish nothing).
        var more = Enumerable.Range(0, 6).Select(i => agent.PutXmlAsync(Media, "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>", $"r{i}")).ToArray();
        await Eventually.TrueAsync(() => more.Count(t => t.IsCompleted) == 4, "four refusals");
        var refused = more.Where(t => t.IsCompleted).Select(t => t.Result).ToArray();
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        var body = await refused[0].Content.ReadAsStringAsync();
        Assert.Contains("<ErrorType>Service Unavailable</ErrorType>", body, StringComparison.Ordinal);
        Assert.Contains("<ErrorMedia>5001</ErrorMedia>", body, StringComparison.Ordinal);

        storage.Open();
        Assert.Equal(HttpStatusCode.Accepted, (await first).StatusCode);
        var waited = await Task.WhenAll(more.Where(t => !refused.Contains(t.Result)));
        Assert.All(waited, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var acceptedIds = waited.Select(r => r.RequestMessage!.Headers.GetValues("requestId").Single()).Order().ToArray();

        // Every accepted request produced its Update, the first first; the refused ones nothing.
        var updates = await stream.TakeAsync(3);
        Assert.Contains("<requestId>first</requestId>", updates[0], StringComparison.Ordinal);
        Assert.Equal(acceptedIds, updates.Skip(1).Select(u => u[(u.IndexOf("<requestId>", StringComparison.Ordinal) + 11)..u.IndexOf("</requestId>", StringComparison.Ordinal)]).Order());
        Assert.Null(await stream.NextAsync(TimeSpan.FromMilliseconds(300)));
    }

    private sealed class Opener(GatedStorage storage) : IDisposable
    {
        public void Dispose() => storage.Open();
    }

    /// <summary>In-process storage whose writes wait while the gate is closed: a slow database.</summary>
    private sealed class GatedStorage : IGrainStorage
    {
        private readonly InProcessGrainStorage _inner = new();
        private TaskCompletionSource _writerWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GatedStorage() => _gate.SetResult();

        /// <summary>Closes the gate; <see cref="WaitForWriterAsync"/> then waits for a write that meets it (earlier writes,
        /// such as the notification stream's subscription, do not count).</summary>
        public void Close()
        {
            _writerWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Open() => _gate.TrySetResult();

        public Task WaitForWriterAsync() => _writerWaiting.Task;

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var gate = _gate.Task;
            if (stateName == "media" && !gate.IsCompleted)
            {
                _writerWaiting.TrySetResult();
                await gate;
            }

            await _inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
