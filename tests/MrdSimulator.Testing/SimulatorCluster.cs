using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Hosting;
using MrdSimulator.Grains.Messaging;
using MrdSimulator.Grains.Simulation;
using Orleans.TestingHost;

namespace MrdSimulator.Testing;

/// <summary>
/// The grains on Orleans' in-process test cluster: two silos by default, so calls between grains cross silos from
/// the first test. State lives in Orleans' memory storage (correct across silos). Helpers drive agents and tasks
/// the way the gateway does, and <see cref="SettleAsync"/> waits until every consequence of what was done has landed.
/// </summary>
public sealed class SimulatorCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;

    private SimulatorCluster(InProcessTestCluster cluster, SimulatorDirectory directory, TimeProvider? clock)
    {
        _cluster = cluster;
        Directory = directory;
        Clock = clock;
    }

    public IClusterClient Client => _cluster.Client;

    public InProcessTestCluster Cluster => _cluster;

    public SimulatorDirectory Directory { get; }

    /// <summary>The grains' clock when the test chose one (a <see cref="SimulatedTimeProvider"/> advances only when told).</summary>
    public TimeProvider? Clock { get; }

    public SimulatedTimeProvider SimulatedClock => Clock as SimulatedTimeProvider ?? throw new InvalidOperationException("This cluster runs on another clock");

    public IEnumerable<IServiceProvider> SiloServices => _cluster.GetActiveSilos().Select(s => _cluster.GetSiloServiceProvider(s.SiloAddress));

    /// <summary>Messages between grains given up after a permanent failure, over every silo; 0 unless something is broken.</summary>
    public long FailedMessages => SiloServices.Sum(s => s.GetRequiredService<GrainOutbox>().FailedMessages);

    public static async Task<SimulatorCluster> StartAsync(
        SimulatorDirectory? directory = null,
        TimeProvider? clock = null,
        short silos = 2,
        SimulatorSiloOptions? options = null,
        Action<IServiceCollection>? services = null)
    {
        directory ??= DemoDirectory.Create(20, supervisors: 0);
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            host.Services.AddSingleton(directory);
            if (clock is not null)
            {
                host.Services.UseSimulatorClock(clock);
            }

            services?.Invoke(host.Services);
        });
        builder.ConfigureSilo((_, silo) => silo.AddSimulatorGrains(options ?? new SimulatorSiloOptions { Store = GrainStateStore.Memory }));
        builder.ConfigureClientHost(host => host.Logging.SetMinimumLevel(LogLevel.Warning));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new SimulatorCluster(cluster, directory, clock);
    }

    /// <summary>A discrete-event cluster: grains run on a <see cref="SimulatedTimeProvider"/> that moves only in <see cref="Advance"/>.</summary>
    public static Task<SimulatorCluster> StartSimulatedAsync(SimulatorDirectory? directory = null, int agents = 20, short silos = 2, Action<IServiceCollection>? services = null) =>
        StartAsync(
            directory ?? DemoDirectory.Create(agents, supervisors: 0),
            new SimulatedTimeProvider(new SimulationWork()),
            silos,
            new SimulatorSiloOptions { Store = silos == 1 ? GrainStateStore.InProcess : GrainStateStore.Memory },
            services);

    /// <summary>Waits until nothing is in flight in any silo: every outbox delivered, every fired timer finished.</summary>
    public async Task SettleAsync()
    {
        if (Clock is SimulatedTimeProvider simulated)
        {
            try
            {
                await simulated.Work.WhenIdle().WaitAsync(Eventually.DefaultTimeout);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{simulated.Work.Busy} simulation work items still in flight; the last timer fired was {simulated.LastFired ?? "none"}", ex);
            }

            return;
        }

        var works = SiloServices.Select(s => s.GetRequiredService<SimulationWork>()).ToList();
        while (true)
        {
            var started = works.Sum(w => w.Started);
            await Task.WhenAll(works.Select(w => w.WhenIdle())).WaitAsync(Eventually.DefaultTimeout);
            if (works.All(w => w.Busy == 0) && works.Sum(w => w.Started) == started)
            {
                return;
            }
        }
    }

    /// <summary>Moves simulated time on by <paramref name="span"/>, firing due timers in order and settling after each.</summary>
    public void Advance(TimeSpan span) => SimulatedClock.RunUntil(SimulatedClock.Elapsed + span);

    public IMediaGrain Media(string userId, int mrdId) => Client.GetMediaGrain(userId, mrdId);

    public async Task<MediaState> MediaAsync(string userId, int mrdId) => await Media(userId, mrdId).GetStateAsync();

    public async Task<TaskDialog[]> DialogsAsync(string userId, int mrdId) => [.. (await Media(userId, mrdId).GetDialogsAsync()).Dialogs];

    public async Task ApplyAsync(string userId, int mrdId, MediaRequest request, string? requestId = null)
    {
        await Media(userId, mrdId).ApplyAsync(request, requestId);
        await SettleAsync();
    }

    public async Task SignInAsync(string userId, int mrdId, int limit = 1, InterruptAction interrupt = InterruptAction.Accept, DialogLogoutAction logout = DialogLogoutAction.Close, bool ready = true)
    {
        var grain = Media(userId, mrdId);
        await grain.ApplyAsync(MediaRequest.Login(limit, interrupt, logout), null);
        if (ready)
        {
            await grain.ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null);
        }

        await SettleAsync();
    }

    public async Task<DialogActResult> ActAsync(string userId, int mrdId, string dialogId, DialogAction action, string? target = null)
    {
        var result = await Media(userId, mrdId).ActAsync(dialogId, action, target, "req-1");
        await SettleAsync();
        return result;
    }

    /// <summary>Submits a task as the CCP API does and returns its contact once routing has settled.</summary>
    public async Task<ContactRecord> SubmitAsync(string selector = "Chat_SS", params TaskVariable[] variables)
    {
        var result = await TrySubmitAsync(TaskSubmission.Create(selector, variables: variables));
        var contact = result.Contact ?? throw new InvalidOperationException($"The queue refused the task: {result.Refused}");
        return await ContactAsync(contact.ContactId);
    }

    /// <summary>Submits a task as the CCP API does and returns the outcome, a contact or a refusal, once routing has settled.</summary>
    public async Task<SubmitResult> TrySubmitAsync(TaskSubmission submission)
    {
        var result = await Client.GetGrain<IContactGrain>(ContactIds.New()).SubmitAsync(100, submission, null);
        await SettleAsync();
        return result;
    }

    public async Task<ContactRecord> ContactAsync(string contactId) =>
        await Client.GetGrain<IContactGrain>(contactId).GetAsync() ?? throw new InvalidOperationException($"No contact {contactId}");

    public async Task<CapacitySnapshot> CapacityAsync(int mrdId)
    {
        await SettleAsync();
        return await Client.GetGrain<IMrdStatsGrain>(mrdId).GetCapacityAsync();
    }

    public async Task<QueueSnapshot> QueueAsync(int mrdId) => await Client.GetGrain<IMrdQueueGrain>(mrdId).GetSnapshotAsync();

    /// <summary>Records the Updates of a user's nodes, as a gateway's session would receive them.</summary>
    public async Task<UpdateRecorder> RecordAsync(string userId, params NodeKind[] nodes)
    {
        var recorder = new UpdateRecorder(this, userId, nodes);
        await recorder.SubscribeAsync();
        return recorder;
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>A client-side subscriber to every non-voice Media grain of one user.</summary>
    public sealed class UpdateRecorder(SimulatorCluster cluster, string userId, NodeKind[] nodes) : IUpdateSubscriber, IAsyncDisposable
    {
        private readonly ConcurrentQueue<Update> _received = new();
        private IUpdateSubscriber? _reference;

        /// <summary>The Updates of the recorded nodes, in arrival order.</summary>
        public IReadOnlyList<string> Updates => [.. Received.Select(u => u.Xml)];

        public IReadOnlyList<Update> Received => [.. _received.Where(u => nodes.Length == 0 || nodes.Contains(u.Node))];

        public Task OnUpdatesAsync(ImmutableArray<Update> updates)
        {
            foreach (var update in updates)
            {
                _received.Enqueue(update);
            }

            return Task.CompletedTask;
        }

        internal async Task SubscribeAsync()
        {
            _reference = cluster.Client.CreateObjectReference<IUpdateSubscriber>(this);
            foreach (var grain in Grains())
            {
                await grain.SubscribeAsync(_reference, lease: null);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_reference is null)
            {
                return;
            }

            foreach (var grain in Grains())
            {
                await grain.UnsubscribeAsync(_reference);
            }

            cluster.Client.DeleteObjectReference<IUpdateSubscriber>(_reference);
            _reference = null;
        }

        private IEnumerable<IMediaGrain> Grains() =>
            (cluster.Directory.FindUser(userId)?.MrdIds ?? []).Where(id => cluster.Directory.FindMrd(id) is { IsVoice: false }).Select(id => cluster.Media(userId, id));
    }
}
