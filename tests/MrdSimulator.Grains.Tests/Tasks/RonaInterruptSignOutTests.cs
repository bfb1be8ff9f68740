using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Tests.Tasks;

public sealed class RonaInterruptSignOutTests
{
    [Fact]
    public async Task AnOfferNotAcceptedWithinTaskStartTimeoutIsWithdrawnTheAgentMadeNotRoutableAndTheTaskRequeued()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5000);
        var contact = await silo.SubmitAsync();
        Assert.Equal("1000", contact.AgentId);
        await using var dialogs = await silo.RecordAsync("1000", NodeKind.DialogsMedia);
        await using var media = await silo.RecordAsync("1000", NodeKind.Media);

        silo.Advance(TimeSpan.FromSeconds(29));
        Assert.Single(await silo.DialogsAsync("1000", 5000));

        silo.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await silo.DialogsAsync("1000", 5000));
        var state = await silo.MediaAsync("1000", 5000);
        Assert.False(state.Routable);
        Assert.Equal(AgentState.Ready, state.State);
        var withdrawn = Assert.Single(dialogs.Updates);
        Assert.Contains("<dispositionCode>CD_RING_NO_ANSWER</dispositionCode>", withdrawn, StringComparison.Ordinal);
        Assert.Contains("<event>DELETE</event>", withdrawn, StringComparison.Ordinal);
        Assert.Contains("<routable>false</routable>", media.Updates[^1], StringComparison.Ordinal);
        var queued = (await silo.ContactAsync(contact.ContactId));
        Assert.Equal((ContactStatus.Queued, ContactReasons.RenotifyRequested), (queued.Status, queued.StatusReason));

        // The next agent gets the same task; the first gets none until routable again.
        await silo.SignInAsync("1001", 5000);
        var again = (await silo.ContactAsync(contact.ContactId));
        Assert.Equal(("1001", contact.TaskId), (again.AgentId, again.TaskId));
        Assert.Equal(1, Assert.Single(again.Legs).Ronas);
        Assert.Equal(1, (await silo.CapacityAsync(5000)).Ronas);
    }

    [Fact]
    public async Task AcceptedDialogDoesNotRonaButEndsAtMaxTaskDuration()
    {
        var mrds = Domain.Directory.DemoDirectory.Mrds.Select(m => m.Id == 5000 ? m with { MaxTaskDurationSeconds = 120 } : m).ToList();
        var demo = Domain.Directory.DemoDirectory.Create(2, 0);
        var directory = new Domain.Directory.SimulatorDirectory(demo.Users, mrds, demo.ReasonCodes, demo.ScriptSelectors, demo.Feeds);
        await using var silo = await SimulatorCluster.StartSimulatedAsync(directory);
        await silo.SignInAsync("1000", 5000);
        var contact = await silo.SubmitAsync();
        await silo.ActAsync("1000", 5000, contact.TaskId!, DialogAction.Accept);

        silo.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(await silo.DialogsAsync("1000", 5000));
        Assert.True((await silo.MediaAsync("1000", 5000)).Routable);

        silo.Advance(TimeSpan.FromSeconds(61));
        Assert.Empty(await silo.DialogsAsync("1000", 5000));
        var ended = (await silo.ContactAsync(contact.ContactId));
        Assert.Equal((ContactStatus.Discarded, TaskOutcome.Expired), (ended.Status, Assert.Single(ended.Legs).Outcome));
    }

    [Fact]
    public async Task ATaskInAnotherMrdInterruptsAnInterruptibleMrdSignedInWithAcceptUntilThatWorkEnds()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1);
        await silo.SignInAsync("1000", 5001, interrupt: InterruptAction.Accept);
        await silo.SignInAsync("1000", 5000);
        var email = await silo.SubmitAsync("Email_SS");
        await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Accept);
        await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Start);
        await using var emailMediaEvents = await silo.RecordAsync("1000", NodeKind.Media);
        await using var dialogEvents = await silo.RecordAsync("1000", NodeKind.DialogsMedia);

        var chat = await silo.SubmitAsync("Chat_SS");
        Assert.Equal(AgentState.Interrupted, (await silo.MediaAsync("1000", 5001)).State);
        Assert.Contains(emailMediaEvents.Updates, u => u.Contains("<state>INTERRUPTED</state>", StringComparison.Ordinal));

        // Actions on the interrupted MRD's dialogs are refused asynchronously; the dialog shows INTERRUPTED without actions.
        Assert.Equal(DialogActResult.AcceptedWithAsyncError, await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Pause));
        var error = dialogEvents.Updates.Single(u => u.Contains("apiErrors", StringComparison.Ordinal));
        Assert.Contains("<errorMedia>5001</errorMedia><errorMessage>E_ARM_STAT_NOT_VALID_AFTER_INTERRUPT_ADVISORY_ACCEPT</errorMessage>", error, StringComparison.Ordinal);
        Assert.Contains($"<source>/finesse/api/Dialog/{email.TaskId}</source>", error, StringComparison.Ordinal);
        var (emailDialogs, interrupted) = await silo.Media("1000", 5001).GetDialogsAsync();
        Assert.True(interrupted);
        Assert.Contains("<actions></actions>", Domain.Xml.DialogXml.Dialog(emailDialogs[0], interrupted), StringComparison.Ordinal);
        Assert.Contains("<state>INTERRUPTED</state>", Domain.Xml.DialogXml.Dialog(emailDialogs[0], interrupted), StringComparison.Ordinal);

        await silo.ActAsync("1000", 5000, chat.TaskId!, DialogAction.Accept);
        Assert.Equal(AgentState.Interrupted, (await silo.MediaAsync("1000", 5001)).State);
        await silo.ActAsync("1000", 5000, chat.TaskId!, DialogAction.Close);
        Assert.Equal(AgentState.Active, (await silo.MediaAsync("1000", 5001)).State);
        Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Pause));
    }

    [Fact]
    public async Task InterruptActionIgnoreLeavesTheInterruptibleMrdWorking()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1);
        await silo.SignInAsync("1000", 5001, interrupt: InterruptAction.Ignore);
        await silo.SignInAsync("1000", 5000);
        var email = await silo.SubmitAsync("Email_SS");
        await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Accept);

        await silo.SubmitAsync("Chat_SS");
        var state = await silo.MediaAsync("1000", 5001);
        Assert.Equal(AgentState.Active, state.State);
        Assert.False(state.Interrupted);
        Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1000", 5001, email.TaskId!, DialogAction.Start));
    }

    [Fact]
    public async Task SignOutWithCloseClosesEveryLiveDialogAndHandlesTheirContacts()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1);
        await silo.SignInAsync("1000", 5000, limit: 3, logout: DialogLogoutAction.Close);
        var contacts = new[] { await silo.SubmitAsync(), await silo.SubmitAsync(), await silo.SubmitAsync() };
        await silo.ActAsync("1000", 5000, contacts[0].TaskId!, DialogAction.Accept);
        await silo.ActAsync("1000", 5000, contacts[1].TaskId!, DialogAction.Accept);
        await silo.ActAsync("1000", 5000, contacts[1].TaskId!, DialogAction.Start);
        await using var dialogs = await silo.RecordAsync("1000", NodeKind.DialogsMedia);

        await silo.Media("1000", 5000).ApplyAsync(MediaRequest.ChangeState(AgentState.Logout), null);
        await silo.SettleAsync();

        Assert.Empty(await silo.DialogsAsync("1000", 5000));
        Assert.Equal(3, dialogs.Updates.Count(u => u.Contains("<event>DELETE</event>", StringComparison.Ordinal)));
        var after = await Task.WhenAll(contacts.Select(c => silo.ContactAsync(c.ContactId)));
        Assert.All(after.Take(2), c => Assert.Equal(ContactStatus.Handled, c.Status));

        // The third was only offered: it goes back to the queue rather than being closed.
        Assert.Equal((ContactStatus.Queued, ContactReasons.RenotifyRequested), (after[2].Status, after[2].StatusReason));
    }

    [Fact]
    public async Task SignOutWithTransferResubmitsActiveTasksAsNewTasksThatReachAnotherAgent()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5000, limit: 3, logout: DialogLogoutAction.Transfer);
        var contacts = new[]
        {
            await silo.SubmitAsync("Chat_SS", new TaskVariable("cv_2", "kept")),
            await silo.SubmitAsync(),
            await silo.SubmitAsync(),
        };
        foreach (var c in contacts)
        {
            await silo.ActAsync("1000", 5000, c.TaskId!, DialogAction.Accept);
        }

        await silo.ActAsync("1000", 5000, contacts[1].TaskId!, DialogAction.Start);
        await silo.ActAsync("1000", 5000, contacts[2].TaskId!, DialogAction.Start);
        await silo.ActAsync("1000", 5000, contacts[2].TaskId!, DialogAction.Pause);
        await using var dialogs = await silo.RecordAsync("1000", NodeKind.DialogsMedia);

        await silo.Media("1000", 5000).ApplyAsync(MediaRequest.ChangeState(AgentState.Logout), null);
        await silo.SettleAsync();
        Assert.Equal(3, dialogs.Updates.Count(u => u.Contains("<dispositionCode>CD_TASK_TRANSFERRED_ON_AGENT_LOGOUT</dispositionCode>", StringComparison.Ordinal)));
        Assert.All(await Task.WhenAll(contacts.Select(c => silo.ContactAsync(c.ContactId))), c => Assert.Equal(ContactStatus.Queued, c.Status));

        await silo.SignInAsync("1001", 5000, limit: 3);
        var reached = await silo.DialogsAsync("1001", 5000);
        Assert.Equal(3, reached.Length);
        foreach (var c in contacts)
        {
            var now = await silo.ContactAsync(c.ContactId);
            Assert.Equal(ContactStatus.Reserved, now.Status);
            Assert.Equal("1001", now.AgentId);
            Assert.NotEqual(c.TaskId, now.TaskId);
            Assert.Equal([TaskOutcome.Transferred, TaskOutcome.Live], now.Legs.Select(l => l.Outcome).ToArray());
        }

        Assert.Contains(reached, d => d.CallVariables.Contains(new TaskVariable("callVariable2", "kept")));
    }
}
