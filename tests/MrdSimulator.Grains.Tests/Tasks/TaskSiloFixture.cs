using System.Collections.Concurrent;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains.Tests.Tasks;

/// <summary>A silo on the demo directory and a simulated clock, with helpers to drive agents and tasks.</summary>
internal sealed class TaskSilo : IAsyncDisposable
{
    public TaskSilo(int agents = 20, SimulatorDirectory? directory = null)
    {
        Clock = new SimulatedTimeProvider();
        Silo = new Silo(directory ?? DemoDirectory.Create(agents, supervisors: 0), time: Clock);
    }

    public SimulatedTimeProvider Clock { get; }

    public Silo Silo { get; }

    public TaskServices Tasks => Silo.Tasks;

    /// <summary>Waits until every grain call (and its posts) has finished.</summary>
    public void Settle() => Silo.Runtime.Metrics.WaitForQuiescence();

    /// <summary>Moves simulated time on by <paramref name="span"/>, firing due timers in order.</summary>
    public void Advance(TimeSpan span) => Clock.RunUntil(Clock.Elapsed + span, Settle);

    public async Task SignInAsync(string user, int mrd, int limit = 1, InterruptAction interrupt = InterruptAction.Accept, DialogLogoutAction logout = DialogLogoutAction.Close, bool ready = true)
    {
        var grain = Silo.GetMediaGrain(user, mrd);
        await grain.ApplyAsync(MediaRequest.Login(limit, interrupt, logout), null);
        if (ready)
        {
            await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
        }

        Settle();
    }

    public async Task<ContactRecord> SubmitAsync(string selector = "Chat_SS", params TaskVariable[] variables)
    {
        var contact = await Tasks.SubmitAsync(100, TaskSubmission.Create(selector, variables: variables));
        Settle();
        return Tasks.Contacts.Find(contact.ContactId)!;
    }

    public ContactRecord Contact(string contactId) => Tasks.Contacts.Find(contactId)!;

    public async Task<TaskDialog[]> DialogsAsync(string user, int mrd) => [.. (await Silo.GetMediaGrain(user, mrd).GetDialogsAsync()).Dialogs];

    public async Task<MediaState> MediaAsync(string user, int mrd) => await Silo.GetMediaGrain(user, mrd).GetStateAsync();

    public async Task<Grains.Media.DialogActResult> ActAsync(string user, int mrd, string dialogId, DialogAction action, string? target = null)
    {
        var result = await Silo.GetMediaGrain(user, mrd).ActAsync(dialogId, action, target, "req-1");
        Settle();
        return result;
    }

    public Recorder Record(string user, NodeKind kind)
    {
        var recorder = new Recorder();
        recorder.Subscription = Silo.Hub.Subscribe(new NodeKey(user, kind), recorder);
        return recorder;
    }

    public async ValueTask DisposeAsync() => await Silo.DisposeAsync();

    internal sealed class Recorder : INotificationSink, IDisposable
    {
        private readonly ConcurrentQueue<string> _updates = new();

        public IDisposable? Subscription { get; set; }

        public IReadOnlyList<string> Updates => [.. _updates];

        public bool TryDeliver(Notification notification)
        {
            _updates.Enqueue(notification.UpdateXml);
            return true;
        }

        public void Dispose() => Subscription?.Dispose();
    }
}
