using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains;

/// <summary>
/// The composition root of the grain side: runtime, grain tables, storage and notification hub. What
/// the gateway holds to reach grains, like an Orleans cluster client.
/// </summary>
public sealed class Silo : IAsyncDisposable
{
    private readonly GrainTable<MediaGrainKey, MediaGrain> _media;
    private int _disposed;

    public Silo(SimulatorDirectory directory, GrainRuntimeOptions? options = null, TimeProvider? time = null, IGrainStorage<MediaGrainKey, MediaState>? mediaStorage = null)
    {
        Directory = directory;
        Runtime = new GrainRuntime(options, time);
        Hub = new NotificationHub();
        MediaStorage = mediaStorage ?? new MemoryGrainStorage<MediaGrainKey, MediaState>();
        Tasks = new TaskServices(directory, Runtime.Time);
        var services = new MediaGrainServices(directory, MediaStorage, Hub, Runtime.Time) { Tasks = Tasks };
        _media = Runtime.CreateTable<MediaGrainKey, MediaGrain>(k => new MediaGrain(k, services));
        Tasks.Media = _media;
        Tasks.Queues = Runtime.CreateTable<int, MrdQueueGrain>(mrdId => new MrdQueueGrain(mrdId, Tasks));
        BotGrains = Runtime.CreateTable<MediaGrainKey, Simulation.BotGrain>(k => new Simulation.BotGrain(k, this));
        Generators = Runtime.CreateTable<int, Simulation.TaskGeneratorGrain>(mrdId => new Simulation.TaskGeneratorGrain(mrdId, this));
        MediaFaults = services.Faults;
    }

    /// <summary>Where the chaos layer installs its Media faults.</summary>
    public MediaFaultHook MediaFaults { get; }

    /// <summary>Bot agents (one per agent and MRD) and per-MRD task generators.</summary>
    public GrainTable<MediaGrainKey, Simulation.BotGrain> BotGrains { get; }

    public GrainTable<int, Simulation.TaskGeneratorGrain> Generators { get; }

    public ValueTask<bool> StartBotAsync(string userId, int mrdId, Simulation.BotProfile profile) =>
        BotGrains.InvokeAsync(new MediaGrainKey(userId, mrdId), b => b.StartAsync(profile));

    public ValueTask<bool> StartGeneratorAsync(int mrdId, Simulation.GeneratorProfile profile) =>
        Generators.InvokeAsync(mrdId, g => g.StartAsync(profile));

    /// <summary>CCP contacts, MRD queues and capacity counters.</summary>
    public TaskServices Tasks { get; }

    public SimulatorDirectory Directory { get; }

    public GrainRuntime Runtime { get; }

    public NotificationHub Hub { get; }

    public IGrainStorage<MediaGrainKey, MediaState> MediaStorage { get; }

    public GrainTable<MediaGrainKey, MediaGrain> MediaGrains => _media;

    public IMediaGrain GetMediaGrain(string userId, int mrdId) => new MediaGrainReference(_media, new MediaGrainKey(userId, mrdId));

    public async ValueTask DisposeAsync()
    {
        // The host stops the silo and the container disposes it too: the second call must be harmless.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Runtime.DisposeAsync().ConfigureAwait(false);
        Hub.Dispose();
    }

    /// <summary>What Orleans' code generator would write: each method is one turn of the grain.</summary>
    private sealed class MediaGrainReference(GrainTable<MediaGrainKey, MediaGrain> table, MediaGrainKey key) : IMediaGrain
    {
        public ValueTask<MediaState> GetStateAsync() => table.InvokeAsync(key, static g => g.GetStateAsync());

        public ValueTask<MediaOutcome> ApplyAsync(MediaRequest request, string? requestId) =>
            table.InvokeAsync(key, g => g.ApplyAsync(request, requestId));

        public ValueTask<(System.Collections.Immutable.ImmutableList<Domain.Tasks.TaskDialog> Dialogs, bool Interrupted)> GetDialogsAsync() =>
            table.InvokeAsync(key, static g => g.GetDialogsAsync());

        public ValueTask<DialogActResult> ActAsync(string dialogId, Domain.Tasks.DialogAction action, string? target, string? requestId) =>
            table.InvokeAsync(key, g => g.ActAsync(dialogId, action, target, requestId));

        public ValueTask<OfferResult> TryOfferAsync(QueuedTask task) => table.InvokeAsync(key, g => g.TryOfferAsync(task));
    }
}
