using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains;

/// <summary>
/// The composition root of the grain side: runtime, grain tables, storage and notification hub. What
/// the gateway holds to reach grains, like an Orleans cluster client.
/// </summary>
public sealed class Silo : IAsyncDisposable
{
    private readonly GrainTable<MediaGrainKey, MediaGrain> _media;

    public Silo(SimulatorDirectory directory, GrainRuntimeOptions? options = null, TimeProvider? time = null, IGrainStorage<MediaGrainKey, MediaState>? mediaStorage = null)
    {
        Directory = directory;
        Runtime = new GrainRuntime(options, time);
        Hub = new NotificationHub();
        MediaStorage = mediaStorage ?? new MemoryGrainStorage<MediaGrainKey, MediaState>();
        var services = new MediaGrainServices(directory, MediaStorage, Hub, Runtime.Time);
        _media = Runtime.CreateTable<MediaGrainKey, MediaGrain>(k => new MediaGrain(k, services));
        MediaFaults = services.Faults;
    }

    /// <summary>Where the chaos layer installs its Media faults.</summary>
    public MediaFaultHook MediaFaults { get; }

    public SimulatorDirectory Directory { get; }

    public GrainRuntime Runtime { get; }

    public NotificationHub Hub { get; }

    public IGrainStorage<MediaGrainKey, MediaState> MediaStorage { get; }

    public GrainTable<MediaGrainKey, MediaGrain> MediaGrains => _media;

    public IMediaGrain GetMediaGrain(string userId, int mrdId) => new MediaGrainReference(_media, new MediaGrainKey(userId, mrdId));

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync().ConfigureAwait(false);
        Hub.Dispose();
    }

    /// <summary>What Orleans' code generator would write: each method is one turn of the grain.</summary>
    private sealed class MediaGrainReference(GrainTable<MediaGrainKey, MediaGrain> table, MediaGrainKey key) : IMediaGrain
    {
        public ValueTask<MediaState> GetStateAsync() => table.InvokeAsync(key, static g => g.GetStateAsync());

        public ValueTask<MediaOutcome> ApplyAsync(MediaRequest request, string? requestId) =>
            table.InvokeAsync(key, g => g.ApplyAsync(request, requestId));
    }
}
