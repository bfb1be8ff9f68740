using System.Collections.Concurrent;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Notifications;

/// <summary>
/// The notification sessions each user holds — SSE streams and XMPP sessions together — capped at
/// <see cref="SimulatorOptions.MaxSessionsPerUser"/>, so that one user's credentials cannot open sessions without bound.
/// </summary>
public sealed class UserSessionLimit(SimulatorOptions options)
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Max => options.MaxSessionsPerUser;

    /// <summary>Sessions <paramref name="userId"/> holds now.</summary>
    public int Count(string userId) => _counts.TryGetValue(userId, out var count) ? count : 0;

    /// <summary>One more session for <paramref name="userId"/>, released on dispose; null when the user holds <see cref="Max"/> already.</summary>
    public IDisposable? TryAcquire(string userId)
    {
        while (true)
        {
            var current = _counts.GetOrAdd(userId, 0);
            if (current >= Max)
            {
                return null;
            }

            if (_counts.TryUpdate(userId, current + 1, current))
            {
                return new Lease(this, userId);
            }
        }
    }

    /// <summary>The refusal's text, for the HTTP error and the XMPP stream error alike.</summary>
    public string Refusal(string userId) =>
        $"user {userId} holds {Max} notification sessions (SSE streams and XMPP sessions together) already; close one first (--max-sessions-per-user)";

    private void Release(string userId)
    {
        while (_counts.TryGetValue(userId, out var current) && !_counts.TryUpdate(userId, current - 1, current))
        {
        }

        // Users without sessions leave the table; an acquire racing with this re-adds the entry.
        _counts.TryRemove(new KeyValuePair<string, int>(userId, 0));
    }

    private sealed class Lease(UserSessionLimit owner, string userId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(userId);
            }
        }
    }
}
