using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains.Tests.Tasks;

public sealed class TaskIntakeTests
{
    [Fact]
    public async Task ANewTaskBeyondTheMrdsMaxTasksInQueueIsRefusedAndTheDefaultLimitsMrdsWithoutTheirOwn()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(WithChatLimit(2), services: s => s.AddSingleton(new TaskIntakeOptions { MaxTasksInQueue = 3 }));
        var first = await silo.SubmitAsync("Chat_SS");
        await silo.SubmitAsync("Chat_SS");

        var refused = await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS"));

        Assert.Null(refused.Contact);
        Assert.Equal(new QueueFull(5000, QueueLimit.Tasks, 2, 2), refused.Refused);
        Assert.Equal(2, (await silo.QueueAsync(5000)).Queued);
        for (var i = 0; i < 3; i++)
        {
            await silo.SubmitAsync("Email_SS");
        }

        Assert.Equal(new QueueFull(5001, QueueLimit.Tasks, 3, 3), (await silo.TrySubmitAsync(TaskSubmission.Create("Email_SS"))).Refused);

        // A cancelled task makes room again.
        Assert.Equal(CancelResult.Cancelled, await silo.Client.GetGrain<IContactGrain>(first.ContactId).CancelAsync());
        Assert.NotNull((await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS"))).Contact);
        Assert.Equal(0, silo.FailedMessages);
    }

    [Fact]
    public async Task TasksComingBackAtSignOutOrTransferredAreTakenBeyondTheLimitAndCountTowardIt()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(WithChatLimit(1));
        await silo.SignInAsync("1000", 5000);
        var offered = await silo.SubmitAsync("Chat_SS");
        Assert.Equal("1000", offered.AgentId);
        await silo.SubmitAsync("Chat_SS");
        Assert.Equal(QueueLimit.Tasks, (await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS"))).Refused?.Limit);

        // The offered task comes back to the full queue when its agent signs out, and is taken.
        await silo.ApplyAsync("1000", 5000, MediaRequest.ChangeState(AgentState.Logout));
        var back = await silo.ContactAsync(offered.ContactId);
        Assert.Equal((ContactStatus.Queued, ContactReasons.RenotifyRequested), (back.Status, back.StatusReason));
        Assert.Equal(2, (await silo.QueueAsync(5000)).Queued);

        // So is an email task an agent transfers to chat.
        await silo.SignInAsync("1001", 5001);
        var email = await silo.SubmitAsync("Email_SS");
        await silo.ActAsync("1001", 5001, email.TaskId!, DialogAction.Accept);
        await silo.ActAsync("1001", 5001, email.TaskId!, DialogAction.Start);
        Assert.Equal(DialogActResult.Accepted, await silo.ActAsync("1001", 5001, email.TaskId!, DialogAction.Transfer, "Chat_SS"));
        Assert.Equal(3, (await silo.QueueAsync(5000)).Queued);
        Assert.Equal(ContactStatus.Queued, (await silo.ContactAsync(email.ContactId)).Status);

        Assert.Equal(new QueueFull(5000, QueueLimit.Tasks, 3, 1), (await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS"))).Refused);
        Assert.Equal(0, silo.FailedMessages);
    }

    [Fact]
    public async Task RenotifyMovesAWaitingTaskIntoTheSelectorsQueueAsANewTaskEvenPastThatQueuesLimitButNotAnOfferedOne()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(WithChatLimit(1));
        var waiting = await silo.SubmitAsync("Email_SS");
        await silo.SubmitAsync("Chat_SS");

        var result = await silo.Client.GetGrain<IContactGrain>(waiting.ContactId).RenotifyAsync("Chat_SS");
        await silo.SettleAsync();

        Assert.Equal(RenotifyOutcome.Renotified, result.Outcome);
        var moved = await silo.ContactAsync(waiting.ContactId);
        Assert.Equal((ContactStatus.Queued, ContactReasons.RenotifyRequested, 5000), (moved.Status, moved.StatusReason, moved.CurrentMrdId));
        Assert.Equal([TaskOutcome.Renotified, TaskOutcome.Live], moved.Legs.Select(l => l.Outcome));
        Assert.NotEqual(waiting.TaskId, moved.TaskId);
        Assert.Equal((0, 2), ((await silo.QueueAsync(5001)).Queued, (await silo.QueueAsync(5000)).Queued));
        Assert.Equal(1, (await silo.CapacityAsync(5001)).Transferred);
        Assert.Equal(2, (await silo.CapacityAsync(5000)).Submitted);

        // Once an agent is offered it, it is no longer the queue's to give up.
        await silo.SignInAsync("1000", 5000, limit: 2);
        Assert.Equal(ContactStatus.Reserved, (await silo.ContactAsync(waiting.ContactId)).Status);
        Assert.Equal(RenotifyOutcome.NotQueued, (await silo.Client.GetGrain<IContactGrain>(waiting.ContactId).RenotifyAsync("Task_SS")).Outcome);
        Assert.Equal(RenotifyOutcome.NotFound, (await silo.Client.GetGrain<IContactGrain>(ContactIds.New()).RenotifyAsync("Task_SS")).Outcome);
        Assert.Equal(0, silo.FailedMessages);
    }

    [Fact]
    public async Task ANewTaskWhoseRequestWouldPassTheQueuesMemoryLimitIsRefusedWhileASmallOneStillFits()
    {
        var large = TaskSubmission.Create("Chat_SS", variables: new TaskVariable("note", new string('x', 50_000)));
        var size = TaskFootprint.Of(large);
        var limit = (2L * size) + 5_000;
        await using var silo = await SimulatorCluster.StartSimulatedAsync(services: s => s.AddSingleton(new TaskIntakeOptions { MaxQueueBytes = limit }));
        Assert.NotNull((await silo.TrySubmitAsync(large)).Contact);
        Assert.NotNull((await silo.TrySubmitAsync(large)).Contact);

        var refused = await silo.TrySubmitAsync(large);

        Assert.Equal(new QueueFull(5000, QueueLimit.Memory, 2L * size, limit), refused.Refused);
        Assert.NotNull((await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS"))).Contact);
        Assert.Equal(3, (await silo.QueueAsync(5000)).Queued);
    }

    [Fact]
    public async Task ARefusedSubmissionKeepsNoContactAndNoTaskId()
    {
        await using var silo = await SimulatorCluster.StartSimulatedAsync(WithChatLimit(1), silos: 1);
        await silo.SubmitAsync("Chat_SS");
        var contactId = ContactIds.New();

        var refused = await silo.Client.GetGrain<IContactGrain>(contactId).SubmitAsync(100, TaskSubmission.Create("Chat_SS"), null);
        await silo.SettleAsync();

        Assert.NotNull(refused.Refused);
        Assert.Null(await silo.Client.GetGrain<IContactGrain>(contactId).GetAsync());
        var storage = silo.SiloServices.Single().GetRequiredService<InProcessGrainStorage>();
        Assert.Single(storage.Entries<ContactState>("contact"));
        Assert.Single(storage.Entries<TaskBinding>("task"));
    }

    [Fact]
    public async Task FinishedContactsPastTheSilosMemoryBudgetAreForgottenOldestFirstWithTheirTaskIdsWhileLiveOnesStay()
    {
        var note = new TaskVariable("note", new string('x', 50_000));
        var discarded = TaskSubmission.Create("No_Such_DN", variables: note);
        var size = TaskFootprint.Of(discarded);
        await using var silo = await SimulatorCluster.StartSimulatedAsync(silos: 1, services: s => s.AddSingleton(new TaskIntakeOptions { MaxFinishedBytes = (3L * size) + 5_000 }));
        var storage = silo.SiloServices.Single().GetRequiredService<InProcessGrainStorage>();
        var queued = (await silo.TrySubmitAsync(TaskSubmission.Create("Chat_SS", variables: note))).Contact!;
        var ended = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ended.Add((await silo.TrySubmitAsync(discarded)).Contact!.ContactId);
        }

        foreach (var id in ended.Take(2))
        {
            Assert.Null(await silo.Client.GetGrain<IContactGrain>(id).GetAsync());
        }

        Assert.All(await Task.WhenAll(ended.Skip(2).Select(silo.ContactAsync)), c => Assert.Equal(ContactStatus.Discarded, c.Status));
        Assert.Equal(ContactStatus.Queued, (await silo.ContactAsync(queued.ContactId)).Status);
        Assert.Equal(4, storage.Entries<ContactState>("contact").Count());

        // A cancelled task is finished too: it pushes out the oldest kept contact, and when it goes, its task id goes with it.
        Assert.Equal(CancelResult.Cancelled, await silo.Client.GetGrain<IContactGrain>(queued.ContactId).CancelAsync());
        await silo.SettleAsync();
        Assert.Null(await silo.Client.GetGrain<IContactGrain>(ended[2]).GetAsync());
        Assert.Single(storage.Entries<TaskBinding>("task"));
        for (var i = 0; i < 3; i++)
        {
            await silo.TrySubmitAsync(discarded);
        }

        Assert.Null(await silo.Client.GetGrain<IContactGrain>(queued.ContactId).GetAsync());
        Assert.Empty(storage.Entries<TaskBinding>("task"));
        Assert.Equal(3, storage.Entries<ContactState>("contact").Count());
        Assert.Equal(0, silo.FailedMessages);
    }

    /// <summary>The demo directory with MRD 5000 (chat) limited to <paramref name="maxTasksInQueue"/> waiting tasks.</summary>
    private static SimulatorDirectory WithChatLimit(int maxTasksInQueue, int agents = 2)
    {
        var demo = DemoDirectory.Create(agents, supervisors: 0);
        var mrds = DemoDirectory.Mrds.Select(m => m.Id == 5000 ? m with { MaxTasksInQueue = maxTasksInQueue } : m);
        return new SimulatorDirectory(demo.Users, mrds, demo.ReasonCodes, demo.ScriptSelectors, demo.Feeds);
    }
}
