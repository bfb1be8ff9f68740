using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Tests.Tasks;

public sealed class DialogFlowTests
{
    [Fact]
    public async Task SubmittedTaskIsOfferedToTheReadyAgentWithACollectionPostAndTheContactIsReserved()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5000);
        await using var dialogs = await silo.RecordAsync("1000", NodeKind.DialogsMedia);
        await using var media = await silo.RecordAsync("1000", NodeKind.Media);

        var contact = await silo.SubmitAsync("Chat_SS", new TaskVariable("cv_1", "4711"), new TaskVariable("user_user.order.id", "A-9"), new TaskVariable("other", "x"));

        Assert.Equal(ContactStatus.Reserved, contact.Status);
        Assert.Equal("1000", contact.AgentId);
        Assert.Matches(@"^\d{6}_\d+_1$", contact.TaskId);
        var dialog = Assert.Single(await silo.DialogsAsync("1000", 5000));
        Assert.Equal(contact.TaskId, dialog.Id);
        Assert.Equal(DialogState.Offered, dialog.State);
        Assert.Equal([new TaskVariable("callVariable1", "4711"), new TaskVariable("user.order.id", "A-9")], dialog.CallVariables.ToArray());

        var offer = Assert.Single(dialogs.Updates);
        Assert.Contains("<event>POST</event>", offer, StringComparison.Ordinal);
        Assert.Contains("<source>/finesse/api/User/1000/Media/5000/Dialogs</source>", offer, StringComparison.Ordinal);
        Assert.Contains($"<dialogs><Dialog><associatedDialogUri/><id>{dialog.Id}</id><mediaType>Cisco_Chat_MRD</mediaType>", offer, StringComparison.Ordinal);
        Assert.Contains("<actions><action>ACCEPT</action></actions>", offer, StringComparison.Ordinal);
        Assert.Contains("<CallVariable><name>callVariable1</name><value>4711</value></CallVariable>", offer, StringComparison.Ordinal);
        Assert.Contains("<state>RESERVED</state>", Assert.Single(media.Updates), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptStartPauseResumeWrapUpCloseWalkTheDialogAndMediaStatesAndHandleTheContact()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1);
        await silo.SignInAsync("1000", 5000);
        var contact = await silo.SubmitAsync();
        var id = contact.TaskId!;
        await using var dialogs = await silo.RecordAsync("1000", NodeKind.DialogsMedia);

        (DialogAction Action, DialogState Dialog, AgentState Media)[] steps =
        [
            (DialogAction.Accept, DialogState.Accepted, AgentState.Active),
            (DialogAction.Start, DialogState.Active, AgentState.Active),
            (DialogAction.Pause, DialogState.Paused, AgentState.Paused),
            (DialogAction.Resume, DialogState.Active, AgentState.Active),
            (DialogAction.WrapUp, DialogState.WrappingUp, AgentState.WorkReady),
        ];
        foreach (var (action, dialogState, mediaState) in steps)
        {
            Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1000", 5000, id, action));
            Assert.Equal(dialogState, Assert.Single(await silo.DialogsAsync("1000", 5000)).State);
            Assert.Equal(mediaState, (await silo.MediaAsync("1000", 5000)).State);
        }

        Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1000", 5000, id, DialogAction.Close));
        Assert.Empty(await silo.DialogsAsync("1000", 5000));
        Assert.Equal(AgentState.Ready, (await silo.MediaAsync("1000", 5000)).State);
        var done = (await silo.ContactAsync(contact.ContactId));
        Assert.Equal((ContactStatus.Handled, ContactReasons.ExternallyHandled), (done.Status, done.StatusReason));
        Assert.Equal(TaskOutcome.Handled, Assert.Single(done.Legs).Outcome);

        var updates = dialogs.Updates;
        Assert.Equal(6, updates.Count);
        Assert.All(updates.Take(5), u => Assert.Contains($"<event>PUT</event><requestId>req-1</requestId><source>/finesse/api/Dialog/{id}</source>", u, StringComparison.Ordinal));
        Assert.Contains("<event>DELETE</event><requestId>req-1</requestId><source>/finesse/api/User/1000/Media/5000/Dialogs</source>", updates[^1], StringComparison.Ordinal);
        Assert.Contains("<dispositionCode>CD_NORMAL_END_TASK</dispositionCode><state>CLOSED</state>", updates[^1], StringComparison.Ordinal);
    }

    public static TheoryData<DialogState, DialogAction> EveryStateAndAction()
    {
        var data = new TheoryData<DialogState, DialogAction>();
        foreach (var state in new[] { DialogState.Offered, DialogState.Accepted, DialogState.Active, DialogState.Paused, DialogState.WrappingUp })
        {
            foreach (var action in Enum.GetValues<DialogAction>())
            {
                data.Add(state, action);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public async Task EveryActionFromEveryStateIsAppliedWhenAllowedAndRefusedOtherwise(DialogState from, DialogAction action)
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5000);
        await silo.SignInAsync("1001", 5002);
        var id = (await silo.SubmitAsync()).TaskId!;
        DialogAction[] path = from switch
        {
            DialogState.Offered => [],
            DialogState.Accepted => [DialogAction.Accept],
            DialogState.Active => [DialogAction.Accept, DialogAction.Start],
            DialogState.Paused => [DialogAction.Accept, DialogAction.Start, DialogAction.Pause],
            _ => [DialogAction.Accept, DialogAction.Start, DialogAction.WrapUp],
        };
        foreach (var step in path)
        {
            Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1000", 5000, id, step));
        }

        Assert.Equal(from, Assert.Single(await silo.DialogsAsync("1000", 5000)).State);
        var result = await silo.ActAsync("1000", 5000, id, action, action == DialogAction.Transfer ? "Task_SS" : null);

        if (!DialogRules.IsAllowed(from, action))
        {
            Assert.Equal(DialogActResult.NotAllowed, result);
            Assert.Equal(from, Assert.Single(await silo.DialogsAsync("1000", 5000)).State);
            return;
        }

        Assert.Equal(DialogActResult.Accepted, result);
        var left = await silo.DialogsAsync("1000", 5000);
        if (action is DialogAction.Close or DialogAction.Transfer)
        {
            Assert.Empty(left);
        }
        else
        {
            Assert.Equal(DialogRules.Next(action), Assert.Single(left).State);
        }

        if (action == DialogAction.Transfer)
        {
            // Resubmitted to Task_SS's MRD as a new task and offered to the agent there.
            var moved = Assert.Single(await silo.DialogsAsync("1001", 5002));
            Assert.NotEqual(id, moved.Id);
        }
    }

    [Fact]
    public async Task TransferToAnUnknownScriptSelectorIsRefusedAndActionsOnUnknownDialogsAreNotFound()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 1);
        await silo.SignInAsync("1000", 5000);
        var id = (await silo.SubmitAsync()).TaskId!;
        await silo.ActAsync("1000", 5000, id, DialogAction.Accept);

        Assert.Equal(DialogActResult.UnknownTarget, await silo.ActAsync("1000", 5000, id, DialogAction.Transfer, "Nope_SS"));
        Assert.Equal(DialogActResult.NotFound, await silo.ActAsync("1000", 5000, "1_2_3", DialogAction.Close));
        Assert.Equal(DialogActResult.NotFound, await silo.ActAsync("1000", 5001, id, DialogAction.Close));
    }

    [Fact]
    public async Task OffersRespectMaxDialogLimitAndGoLongestAvailableFirst()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 3);
        await silo.SignInAsync("1000", 5000, limit: 2);
        silo.Advance(TimeSpan.FromSeconds(1));
        await silo.SignInAsync("1001", 5000, limit: 1);
        silo.Advance(TimeSpan.FromSeconds(1));

        var first = await silo.SubmitAsync();
        silo.Advance(TimeSpan.FromSeconds(1));
        var second = await silo.SubmitAsync();
        silo.Advance(TimeSpan.FromSeconds(1));
        var third = await silo.SubmitAsync();
        var fourth = await silo.SubmitAsync();

        // 1000 has waited longest, then 1001; then 1000 again (below its limit); then nobody has room.
        Assert.Equal(["1000", "1001", "1000"], new[] { first, second, third }.Select(c => c.AgentId));
        Assert.Equal(ContactStatus.Queued, fourth.Status);
        Assert.Equal(2, (await silo.DialogsAsync("1000", 5000)).Length);

        // Closing one frees a slot and the waiting task is offered at once.
        await silo.ActAsync("1001", 5000, second.TaskId!, DialogAction.Accept);
        await silo.ActAsync("1001", 5000, second.TaskId!, DialogAction.Close);
        Assert.Equal("1001", (await silo.ContactAsync(fourth.ContactId)).AgentId);
    }

    [Fact]
    public async Task NotReadyOrNotRoutableAgentsGetNoOffersAndNotRoutableWaitsForPendingTasksToStart()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(agents: 2);
        await silo.SignInAsync("1000", 5000, limit: 3);
        await silo.SignInAsync("1001", 5000, ready: false);
        var first = await silo.SubmitAsync();
        Assert.Equal("1000", first.AgentId);

        var grain = silo.Media("1000", 5000);
        await grain.ApplyAsync(MediaRequest.SetRoutable(false), null);
        await silo.SettleAsync();
        var pending = await grain.GetStateAsync();
        Assert.True(pending.Routable);
        Assert.False(pending.PendingRoutable);

        // A pending not-routable already stops new offers.
        var second = await silo.SubmitAsync();
        Assert.Equal(ContactStatus.Queued, second.Status);

        await silo.ActAsync("1000", 5000, first.TaskId!, DialogAction.Accept);
        await silo.ActAsync("1000", 5000, first.TaskId!, DialogAction.Start);
        Assert.False((await grain.GetStateAsync()).Routable);

        await silo.Media("1001", 5000).ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
        await silo.SettleAsync();
        Assert.Equal("1001", (await silo.ContactAsync(second.ContactId)).AgentId);
    }
}
