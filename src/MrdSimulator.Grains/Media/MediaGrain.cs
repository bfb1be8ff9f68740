using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Xml;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Notifications;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// One agent in one MRD. Every decision about the agent's Media state and its tasks in this MRD is taken here, one
/// turn at a time, so a sign-out racing an offer or a RONA racing an ACCEPT has exactly one outcome. The state is
/// written before anything is published or told to another grain; other grains are told through the silo's outbox,
/// never awaited, because the MRD's queue waits on this grain.
/// </summary>
public sealed partial class MediaGrain(
    [PersistentState("media", StorageNames.Grains)] IPersistentState<MediaGrainState> state,
    MediaGrainServices services,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IMediaGrain
{
    private MediaGrainKey _key;
    private MediaRoutingDomain _mrd = null!;
    private User? _user;

    private MediaState Media => state.State.Media;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = MediaGrainKey.Parse(this.GetPrimaryKeyString());
        _mrd = services.Directory.FindMrd(_key.MrdId) ?? throw new InvalidOperationException($"Unknown MRD {_key.MrdId}");
        _user = services.Directory.FindUser(_key.UserId);
        ActivateSubscriptions();
        ActivateTasks();
        ReplayRecentMediaChange();
        return Task.CompletedTask;
    }

    public ValueTask<MediaState> GetStateAsync() => ValueTask.FromResult(Media);

    public async ValueTask<MediaEffect> ApplyAsync(MediaRequest request, string? requestId)
    {
        var user = _user ?? throw new InvalidOperationException($"Unknown user {_key.UserId}");
        if (services.Faults.Current is { } hook && await hook.BeforeApplyAsync(_key, request, Media) is { } refused)
        {
            PublishError(requestId, ApiError.FromArm(refused, _mrd.Id));
            return MediaEffect.Error;
        }

        var context = new MediaContext(_mrd, user.IsAssignedTo(_mrd.Id), Now);
        var outcome = MediaStateMachine.Apply(Media, request, context);
        var next = AfterMediaRequest(request, outcome, context.Now);
        await SaveAsync(next, requestId);

        switch (outcome.Effect)
        {
            case MediaEffect.Publish:
                RunEffects();
                PublishMedia(requestId, next);
                break;
            case MediaEffect.Error:
                RunEffects();
                PublishError(requestId, ApiError.FromArm(outcome.Error!, _mrd.Id));
                break;
        }

        AfterTurn();
        return outcome.Effect;
    }

    /// <summary>
    /// Writes the Media state with the working task state (and the live subscriptions) as one record. On failure
    /// nothing of the turn survives: the working state goes back to what is stored and pending effects are dropped.
    /// A stale etag escapes, so Orleans deactivates this activation and the next call reloads.
    /// </summary>
    /// <param name="requestId">The request that changed the Media state, if one did.</param>
    private async ValueTask SaveAsync(MediaState next, string? requestId = null)
    {
        var stored = state.State;
        var subscribers = LiveSubscribers(stored.Subscribers);
        var mediaChanged = !ReferenceEquals(next, stored.Media);
        if (!mediaChanged && ReferenceEquals(_tasks, stored.Tasks) && subscribers == stored.Subscribers)
        {
            return;
        }

        // Kept only while someone listens: an idle pair without subscribers carries nothing extra.
        var change = subscribers.IsEmpty ? null : mediaChanged ? new MediaChange(requestId, DateTime.UtcNow) : stored.LastMediaChange;
        state.State = new MediaGrainState { Media = next, Tasks = _tasks, Subscribers = subscribers, LastMediaChange = change, Version = stored.Version + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = stored;
            _tasks = stored.Tasks;
            _effects?.Clear();
            throw;
        }

        if (stored.Media.State != next.State)
        {
            services.Outbox.Stats(_mrd.Id, (From: stored.Media.State, To: next.State), static (s, c) => s.StateChanged(c.From, c.To));
        }

        if (stored.Media.IsSignedIn != next.IsSignedIn)
        {
            services.Outbox.Stats(_mrd.Id, (_key.UserId, next.IsSignedIn), static (s, c) => s.SignIn(c.UserId, c.IsSignedIn));
        }
    }

    private void PublishMedia(string? requestId, MediaState media, bool replay = false) =>
        Publish(NodeKind.Media, requestId, replay, (Key: _key, Mrd: _mrd, State: media, RequestId: requestId, Directory: services.Directory),
            static a => UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri(a.Key.UserId, a.Key.MrdId), a.RequestId,
                x => MediaXml.Write(x, a.Key.UserId, a.Mrd, a.State, a.Directory)));

    private void PublishError(string? requestId, ApiError error) =>
        Publish(NodeKind.Media, requestId, replay: false, (Key: _key, Error: error, RequestId: requestId),
            static a => UpdateXml.Write(UpdateEvent.Put, MediaXml.MediaUri(a.Key.UserId, a.Key.MrdId), a.RequestId,
                x => ApiErrorsXml.WriteAsync(x, a.Error)));
}
