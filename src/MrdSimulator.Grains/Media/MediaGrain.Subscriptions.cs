using System.Collections.Immutable;
using System.Diagnostics;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// Who receives this pair's Updates. Subscriptions are stored with the state, so an Update published after the
/// grain was collected and reactivated (an offer to an idle agent) still reaches the gateway holding the agent's
/// session. A gateway's subscription is a lease it renews; one that lapses (the gateway went away) is dropped at
/// the next write. Leases run on real time: they are about processes, not the simulated contact centre.
/// </summary>
public sealed partial class MediaGrain
{
    /// <summary>How long a gateway's subscription lives without renewal (gateways renew well within it).</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(2);

    private Dictionary<GrainId, long>? _leaseExpiries;
    private long _epoch;
    private long _sequence;

    public async ValueTask SubscribeAsync(IUpdateSubscriber subscriber, TimeSpan? lease)
    {
        var id = subscriber.GetGrainId();
        if (lease is { } l)
        {
            (_leaseExpiries ??= [])[id] = Environment.TickCount64 + (long)l.TotalMilliseconds;
        }

        var subscribers = state.State.Subscribers;
        if (subscribers.Any(s => s.Subscriber.GetGrainId() == id))
        {
            return;
        }

        await WriteSubscribersAsync(subscribers.Add(new Subscription(subscriber, lease is not null)));
    }

    public async ValueTask UnsubscribeAsync(IUpdateSubscriber subscriber)
    {
        var id = subscriber.GetGrainId();
        _leaseExpiries?.Remove(id);
        var subscribers = state.State.Subscribers;
        var kept = subscribers.RemoveAll(s => s.Subscriber.GetGrainId() == id);
        if (kept.Length != subscribers.Length)
        {
            await WriteSubscribersAsync(kept);
        }
    }

    private async ValueTask WriteSubscribersAsync(ImmutableArray<Subscription> subscribers)
    {
        var stored = state.State;
        state.State = stored with { Subscribers = subscribers, Version = stored.Version + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = stored;
            throw;
        }
    }

    private void ActivateSubscriptions()
    {
        // A new activation numbers its Updates afresh; the epoch tells receivers so (the state version orders activations).
        _epoch = Random.Shared.NextInt64(1, long.MaxValue);
        var now = Environment.TickCount64;
        foreach (var s in state.State.Subscribers)
        {
            if (s.Leased)
            {
                (_leaseExpiries ??= [])[s.Subscriber.GetGrainId()] = now + (long)DefaultLease.TotalMilliseconds;
            }
        }
    }

    /// <summary>The subscribers whose lease has not run out.</summary>
    private ImmutableArray<Subscription> LiveSubscribers(ImmutableArray<Subscription> subscribers)
    {
        if (_leaseExpiries is null || subscribers.IsEmpty)
        {
            return subscribers;
        }

        var now = Environment.TickCount64;
        return subscribers.All(s => IsLive(s, now)) ? subscribers : subscribers.RemoveAll(s => !IsLive(s, now));
    }

    private bool IsLive(Subscription subscription, long now) =>
        !subscription.Leased || (_leaseExpiries!.TryGetValue(subscription.Subscriber.GetGrainId(), out var expires) && expires > now);

    /// <summary>How recent a Media change must be for a new activation to publish its Update again.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A recent Media change may be one whose Update died with the previous activation's silo: publish it again
    /// (as <see cref="Update.Replay"/>). Real time, like leases: it is about processes failing.
    /// </summary>
    private void ReplayRecentMediaChange()
    {
        if (state.State.LastMediaChange is { } change && DateTime.UtcNow - change.WrittenUtc < ReplayWindow)
        {
            PublishMedia(change.RequestId, Media, replay: true);
        }
    }

    /// <summary>Renders one Update, only if someone subscribes, and hands it to every live subscriber's outbox lane.</summary>
    private void Publish<TArg>(NodeKind node, string? requestId, bool replay, TArg arg, Func<TArg, string> render)
    {
        services.Metrics.Published();
        var subscribers = state.State.Subscribers;
        if (subscribers.IsEmpty)
        {
            return;
        }

        var update = new Update(_key.UserId, node, _key.MrdId, _epoch, ++_sequence, requestId, render(arg), Activity.Current?.Id, replay, state.State.Version);
        var now = Environment.TickCount64;
        foreach (var subscription in subscribers)
        {
            if (_leaseExpiries is null || IsLive(subscription, now))
            {
                services.Outbox.Deliver(subscription.Subscriber, update);
            }
        }
    }
}
