using System.Collections.Immutable;
using System.Text.RegularExpressions;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Tests.Tasks;

/// <summary>
/// What a client can do the moment it sees an offer must already work. (Found by the load driver's task-handling
/// scenario: an ACCEPT sent on the offer's arrival got 404 on a busy machine.) The agent's Media grain holds the
/// dialog before it publishes the offer, so an ACCEPT sent from inside the delivery of the offer is accepted.
/// </summary>
public sealed partial class OfferPublicationTests
{
    [GeneratedRegex(@"<id>(\d+_\d+_\d+)</id>")]
    private static partial Regex DialogId();

    [Fact]
    public async Task AnAcceptSentTheMomentTheOfferArrivesIsAccepted()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5002);
        var client = new AcceptingClient(silo.Media("1000", 5002));
        var reference = silo.Client.CreateObjectReference<IUpdateSubscriber>(client);
        await silo.Media("1000", 5002).SubscribeAsync(reference, lease: null);

        await silo.SubmitAsync("Task_SS");
        await silo.SubmitAsync("Task_SS"); // queued behind the first (maxDialogLimit 1) ...
        var first = Assert.Single(await silo.DialogsAsync("1000", 5002));
        await Eventually.TrueAsync(() => client.Results.Count == 1, "the first offer's ACCEPT");
        await silo.ActAsync("1000", 5002, first.Id, DialogAction.Close); // ... and offered when it closes
        await Eventually.TrueAsync(() => client.Results.Count == 2, "the second offer's ACCEPT");

        Assert.All(client.Results, r => Assert.Equal(DialogActResult.Accepted, r));
    }

    private sealed class AcceptingClient(IMediaGrain media) : IUpdateSubscriber
    {
        public List<DialogActResult> Results { get; } = [];

        public async Task OnUpdatesAsync(ImmutableArray<Update> updates)
        {
            foreach (var update in updates.Where(u => u.Xml.Contains("<event>POST</event>", StringComparison.Ordinal)))
            {
                var result = await media.ActAsync(DialogId().Match(update.Xml).Groups[1].Value, DialogAction.Accept, null, null);
                lock (Results)
                {
                    Results.Add(result);
                }
            }
        }
    }
}
