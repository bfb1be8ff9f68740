using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Grains.Tests.Simulation;

/// <summary>
/// Generated customers with patience give up the way a CCP client does, by cancelling: a task still waiting leaves
/// the queue (counted abandoned, polled as cancelled), a task an agent already has is not touched.
/// </summary>
public sealed class CustomerPatienceTests
{
    [Fact]
    public async Task ACustomerWhoseWaitOutlastsItsPatienceCancelsAndOneAlreadyOfferedIsServed()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1, silos: 1);
        Assert.True(await silo.Client.GetGrain<IBotGrain>(new MediaGrainKey("1000", 5000).ToString())
            .StartAsync(new BotProfile(MaxDialogLimit: 1, AcceptDelaySeconds: 0, WrapUpSeconds: 0, BreakProbability: 0, Seed: 1)));
        await silo.SettleAsync();

        // One agent, ten-minute tasks every minute on average, half a minute of patience: most customers give up.
        var generator = silo.Client.GetGrain<ITaskGeneratorGrain>(5000);
        Assert.True(await generator.StartAsync(new GeneratorProfile(60, "Chat_SS", MeanWorkSeconds: 600, MaxTasks: 30, Seed: 5, MeanPatienceSeconds: 30)));
        silo.Advance(TimeSpan.FromHours(12));

        var contacts = await Task.WhenAll((await generator.GetSubmittedAsync()).Select(silo.ContactAsync));
        Assert.Equal(30, contacts.Length);
        var gaveUp = contacts.Where(c => c.Status == ContactStatus.Discarded).ToArray();
        var served = contacts.Where(c => c.Status == ContactStatus.Handled).ToArray();
        Assert.Equal(30, gaveUp.Length + served.Length);
        Assert.NotEmpty(served);
        Assert.True(gaveUp.Length > served.Length, $"{gaveUp.Length} gave up, {served.Length} served");
        Assert.All(gaveUp, c =>
        {
            Assert.Equal(ContactReasons.CancelSucceeded, c.StatusReason);
            Assert.Equal(TaskOutcome.Cancelled, c.Legs[0].Outcome);
            Assert.Null(c.Legs[0].FirstOfferedAt);
        });
        Assert.All(served, c => Assert.Equal(c.Legs[0].FirstOfferedAt, c.Legs[0].LastOfferedAt));

        // CCP's view: a cancelled contact polls as gone; the queue counted each as abandoned and holds nothing.
        Assert.Null(await silo.Client.GetGrain<IContactGrain>(gaveUp[0].ContactId).PollAsync());
        var capacity = await silo.CapacityAsync(5000);
        Assert.Equal(gaveUp.Length, capacity.Abandoned);
        Assert.Equal(served.Length, capacity.Handled);
        Assert.Equal(0, (await silo.QueueAsync(5000)).Queued);
        Assert.Equal(0, silo.FailedMessages);
    }
}
