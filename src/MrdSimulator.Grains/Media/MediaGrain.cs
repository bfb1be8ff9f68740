using System.Collections.Immutable;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Grains.Notifications;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Grains.Media;

/// <summary>Shared services of every Media grain, held once rather than per activation.</summary>
public sealed record MediaGrainServices(
    SimulatorDirectory Directory,
    IGrainStorage<MediaGrainKey, MediaState> Storage,
    NotificationHub Hub,
    TimeProvider Time)
{
    /// <summary>Task routing; null runs the Media grain without tasks (sign-in and state only).</summary>
    public TaskServices? Tasks { get; init; }

    public IGrainStorage<MediaGrainKey, MediaTaskState> TaskStorage { get; init; } = new MemoryGrainStorage<MediaGrainKey, MediaTaskState>();

    /// <summary>Where the chaos layer plugs in (back-end errors, signed-in census).</summary>
    public MediaFaultHook Faults { get; init; } = new();
}

public sealed partial class MediaGrain(MediaGrainKey key, MediaGrainServices services) : Grain, IMediaGrain
{
    private readonly PersistentState<MediaGrainKey, MediaState> _state = new(key, services.Storage, MediaState.Initial);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _state.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        await ActivateTasksAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<MediaState> GetStateAsync() => ValueTask.FromResult(_state.State);

    public async ValueTask<MediaOutcome> ApplyAsync(MediaRequest request, string? requestId)
    {
        var user = services.Directory.FindUser(key.UserId) ?? throw new InvalidOperationException($"Unknown user {key.UserId}");
        var mrd = services.Directory.FindMrd(key.MrdId) ?? throw new InvalidOperationException($"Unknown MRD {key.MrdId}");
        if (RefusedByFault(request, requestId, mrd) is { } refused)
        {
            return refused;
        }

        var context = new MediaContext(mrd, user.IsAssignedTo(mrd.Id), services.Time.GetUtcNow().UtcDateTime);
        var outcome = MediaStateMachine.Apply(_state.State, request, context);
        var next = AfterMediaRequest(request, outcome, mrd, context.Now);
        await SaveAsync(next).ConfigureAwait(false);
        await SaveTasksAsync().ConfigureAwait(false);

        switch (outcome.Effect)
        {
            case MediaEffect.Publish:
                RunEffects();
                PublishMedia(requestId, mrd, next);
                break;
            case MediaEffect.Error:
                RunEffects();
                PublishError(requestId, ApiError.FromArm(outcome.Error!, mrd.Id));
                break;
        }

        AfterTurn(mrd);
        return outcome with { State = next };
    }

    private async ValueTask SaveAsync(MediaState next)
    {
        if (ReferenceEquals(next, _state.State))
        {
            return;
        }

        var previous = _state.State;
        _state.State = next;
        try
        {
            await _state.WriteStateAsync().ConfigureAwait(false);
        }
        catch
        {
            _state.State = previous;
            throw;
        }

        services.Faults.Current?.StateChanged(key, previous, next);
    }

    private void PublishMedia(string? requestId, MediaRoutingDomain mrd, MediaState state) =>
        services.Hub.Publish(
            new NodeKey(key.UserId, NodeKind.Media),
            requestId,
            (Key: key, Mrd: mrd, State: state, RequestId: requestId, services.Directory),
            static a => UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri(a.Key.UserId, a.Key.MrdId), a.RequestId,
                x => MediaXml.Write(x, a.Key.UserId, a.Mrd, a.State, a.Directory)));

    private void PublishError(string? requestId, ApiError error) =>
        services.Hub.Publish(
            new NodeKey(key.UserId, NodeKind.Media),
            requestId,
            (Key: key, Error: error, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri(a.Key.UserId, a.Key.MrdId), a.RequestId,
                x => ApiErrorsXml.WriteAsync(x, a.Error)));
}
