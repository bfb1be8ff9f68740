using System.Text.RegularExpressions;
using MrdSimulator.Grains.Notifications;

namespace MrdSimulator.Grains.Tests.Tasks;

/// <summary>
/// What a client can do the moment it sees an offer must already work: the Dialog API finds a dialog's holder
/// through the contact, so the contact has to name the agent before the offer Update leaves the grain. (Found by
/// the load driver's task-handling scenario: an ACCEPT sent on the offer's arrival got 404 on a busy machine.)
/// </summary>
public sealed partial class OfferPublicationTests
{
    [GeneratedRegex(@"<id>(\d+_\d+_\d+)</id>")]
    private static partial Regex DialogId();

    [Fact]
    public async Task TheContactNamesTheAgentWhenTheOfferIsPublished()
    {
        await using var silo = new TaskSilo(agents: 2);
        await silo.SignInAsync("1000", 5002);
        var probe = new ContactProbe(silo);
        using var subscription = silo.Silo.Hub.Subscribe(new NodeKey("1000", NodeKind.DialogsMedia), probe);

        await silo.SubmitAsync("Task_SS");
        await silo.SubmitAsync("Task_SS"); // queued behind the first (maxDialogLimit 1) ...
        var first = Assert.Single(await silo.DialogsAsync("1000", 5002));
        await silo.ActAsync("1000", 5002, first.Id, Domain.Tasks.DialogAction.Accept);
        await silo.ActAsync("1000", 5002, first.Id, Domain.Tasks.DialogAction.Close); // ... and offered when it closes

        Assert.Equal(2, probe.Seen.Count);
        Assert.All(probe.Seen, s => Assert.Equal(("1000", s.DialogId), (s.AgentId, s.TaskId)));
    }

    private sealed class ContactProbe(TaskSilo silo) : INotificationSink
    {
        public List<(string DialogId, string? AgentId, string? TaskId)> Seen { get; } = [];

        public bool TryDeliver(Notification notification)
        {
            // Runs inside Publish, in the grain's turn: exactly what a client racing the rest of the turn would find.
            var xml = notification.UpdateXml;
            if (xml.Contains("<event>POST</event>", StringComparison.Ordinal))
            {
                var id = DialogId().Match(xml).Groups[1].Value;
                var contact = silo.Tasks.Contacts.FindByTask(id);
                lock (Seen)
                {
                    Seen.Add((id, contact?.AgentId, contact?.TaskId));
                }
            }

            return true;
        }
    }
}
