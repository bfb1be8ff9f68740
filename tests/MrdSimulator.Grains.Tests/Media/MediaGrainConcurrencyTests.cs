using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.Grains.Hosting;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Storage;
using Orleans.Storage;

namespace MrdSimulator.Grains.Tests.Media;

/// <summary>The product's guarantees about one agent×MRD pair under concurrency and storage races, on Orleans.</summary>
public sealed class MediaGrainConcurrencyTests
{
    [Fact]
    public async Task AThousandConflictingRequestsToOnePairReplayAsAValidStateMachineSequence()
    {
        await using var silo = await SimulatorCluster.StartAsync();
        await using var media = await silo.RecordAsync("1005", NodeKind.Media);
        var grain = silo.Media("1005", 5001);
        var random = new Random(11);
        var kinds = Enumerable.Range(0, 1_000).Select(_ => random.Next(MediaReplay.Requests.Length)).ToArray();

        await Task.WhenAll(kinds.Select((kind, i) => Task.Run(() => grain.ApplyAsync(MediaReplay.Requests[kind].Request, $"c{i}").AsTask())));
        await silo.SettleAsync();

        // Applied one at a time, each publishing its Update before the next began: the order of Updates is the order
        // of application, so a replay through the state machine must agree with every one of them.
        var updates = media.Updates;
        var sequences = media.Received.Select(u => u.Sequence).ToList();
        Assert.Equal(sequences.Order(), sequences);
        var replayed = MediaReplay.Verify(updates, kinds, silo.Directory.FindMrd(5001)!, DateTime.UtcNow);
        Assert.Equal(replayed.State, (await grain.GetStateAsync()).State);
        Assert.True(updates.Count > 500, $"only {updates.Count} Updates");
    }

    [Fact]
    public async Task AWriteWithAStaleEtagFailsDeactivatesTheActivationAndTheNextCallReadsTheStoredState()
    {
        await using var silo = await SimulatorCluster.StartAsync(silos: 1, options: new SimulatorSiloOptions { Store = GrainStateStore.InProcess });
        var grain = silo.Media("1006", 5000);
        await grain.ApplyAsync(MediaRequest.Login(2, InterruptAction.Accept), null);

        // Another activation (or process) wrote meanwhile: the stored record moves on without this activation.
        var storage = silo.SiloServices.Single().GetRequiredService<InProcessGrainStorage>();
        var stored = storage.Entries<MediaGrainState>("media").Single(e => e.Grain == grain.GetGrainId());
        var record = new GrainState<MediaGrainState>();
        await storage.ReadStateAsync("media", stored.Grain, record);
        record.State = record.State! with { Media = record.State.Media with { State = AgentState.Ready, Availability = AgentState.Ready } };
        await storage.WriteStateAsync("media", stored.Grain, record);

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.ApplyAsync(MediaRequest.ChangeState(AgentState.NotReady, 1001), "stale").AsTask());

        // The activation that lost the race is gone; the next call activates afresh from what is stored.
        Assert.Equal(AgentState.Ready, (await grain.GetStateAsync()).State);
        Assert.Equal(MediaEffect.Publish, await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.NotReady, 1001), "fresh"));
        Assert.Equal(AgentState.NotReady, (await grain.GetStateAsync()).State);
    }
}
