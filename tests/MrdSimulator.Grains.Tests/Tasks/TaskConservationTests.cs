using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Grains.Tests.Tasks;

public sealed class TaskConservationTests
{
    /// <summary>
    /// Thousands of tasks submitted from several threads while agents sign in and out (half with TRANSFER),
    /// accept, start and close concurrently on real threads, with queue, contacts and agents spread over two silos.
    /// Afterwards every contact must have ended exactly once and every CCE task in its ledger exactly one way:
    /// nothing lost, nothing offered twice.
    /// </summary>
    [Fact]
    public async Task ConcurrentOffersAndSignOutsNeitherLoseNorDuplicateATask()
    {
        const int tasks = 3000;
        const int agents = 24;
        await using var silo = await SimulatorCluster.StartAsync(Domain.Directory.DemoDirectory.Create(agents, supervisors: 0));
        var users = Enumerable.Range(1000, agents).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            await silo.SignInAsync(user, 5000, limit: 1 + (i % 3), logout: i % 2 == 0 ? DialogLogoutAction.Transfer : DialogLogoutAction.Close);
        }

        using var stop = new CancellationTokenSource();
        var contacts = new System.Collections.Concurrent.ConcurrentBag<string>();
        var submitters = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < tasks / 4; i++)
            {
                contacts.Add((await silo.Client.GetGrain<IContactGrain>(ContactIds.New()).SubmitAsync(100, TaskSubmission.Create("Chat_SS"), null)).Contact!.ContactId);
            }
        })).ToArray();

        var workers = users.Select((user, i) => Task.Run(async () =>
        {
            var random = new Random(i);
            var grain = silo.Media(user, 5000);
            while (!stop.IsCancellationRequested)
            {
                var roll = random.Next(100);
                if (roll < 4)
                {
                    await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Logout), null);
                    await grain.ApplyAsync(MediaRequest.Login(1 + random.Next(3), InterruptAction.Accept, random.Next(2) == 0 ? DialogLogoutAction.Transfer : DialogLogoutAction.Close), null);
                    await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
                    continue;
                }

                foreach (var dialog in (await grain.GetDialogsAsync()).Dialogs)
                {
                    var action = dialog.State switch
                    {
                        DialogState.Offered => DialogAction.Accept,
                        DialogState.Accepted => DialogAction.Start,
                        _ => roll < 8 ? DialogAction.Transfer : DialogAction.Close,
                    };
                    await grain.ActAsync(dialog.Id, action, "Chat_SS", null);
                }

                await Task.Yield();
            }
        })).ToArray();

        await Task.WhenAll(submitters);
        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(contacts.Select(id => silo.ContactAsync(id)))).All(c => c.IsTerminal),
            "every contact to end", TimeSpan.FromSeconds(90));

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        await silo.SettleAsync();

        Assert.Equal(0, silo.FailedMessages);
        Assert.Equal(tasks, contacts.Count);
        var seenTasks = new HashSet<string>(StringComparer.Ordinal);
        var transfers = 0;
        foreach (var id in contacts)
        {
            var contact = await silo.ContactAsync(id);
            Assert.Equal(ContactStatus.Handled, contact.Status);
            Assert.NotEmpty(contact.Legs);
            foreach (var leg in contact.Legs.Take(contact.Legs.Count - 1))
            {
                Assert.Equal(TaskOutcome.Transferred, leg.Outcome);
                transfers++;
            }

            Assert.Equal(TaskOutcome.Handled, contact.Legs[^1].Outcome);
            Assert.All(contact.Legs, l => Assert.True(seenTasks.Add(l.TaskId), $"task {l.TaskId} appears twice"));
        }

        foreach (var user in users)
        {
            Assert.Empty(await silo.DialogsAsync(user, 5000));
        }

        Assert.Equal(0, (await silo.QueueAsync(5000)).Queued);
        var capacity = await silo.CapacityAsync(5000);
        Assert.Equal(tasks + transfers, capacity.Submitted);
        Assert.True(transfers > 50, $"only {transfers} transfers: the race was not exercised");
    }
}
