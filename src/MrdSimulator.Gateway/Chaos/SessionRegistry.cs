using System.Collections.Concurrent;
using MrdSimulator.Gateway.Notifications;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// The live notification sessions (SSE streams, XMPP sessions) the chaos layer may cut: each transport
/// registers a session with a way to close it, and unregisters when it ends. A session that a cut closes
/// reports the Updates the cut cost it through <see cref="SessionCut.Lost"/>.
/// </summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private readonly List<Func<Func<string, string, bool>, SessionCut, int>> _sources = [];
    private long _next;

    /// <summary>A transport that keeps its own session table (XMPP): closes its sessions that match, returns how many.</summary>
    public void AddSource(Func<Func<string, string, bool>, SessionCut, int> close)
    {
        lock (_sources)
        {
            _sources.Add(close);
        }
    }

    public int Count => _sessions.Count;

    /// <param name="transport"><c>sse</c> or <c>xmpp</c>.</param>
    /// <param name="close">Closes the session; the argument says how and where to report what the cut cost.</param>
    public IDisposable Register(string transport, string userId, Action<SessionCut> close)
    {
        var id = Interlocked.Increment(ref _next);
        _sessions[id] = new Session(transport, userId, close);
        return new Registration(this, id);
    }

    /// <summary>Closes the sessions that match; returns how many were closed.</summary>
    public int Close(Func<string, string, bool> match, SessionCut cut)
    {
        var closed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (match(session.Transport, session.UserId) && _sessions.TryRemove(id, out _))
            {
                try
                {
                    session.Close(cut);
                }
                catch (ObjectDisposedException)
                {
                    // The session ended on its own meanwhile.
                }

                closed++;
            }
        }

        Func<Func<string, string, bool>, SessionCut, int>[] sources;
        lock (_sources)
        {
            sources = [.. _sources];
        }

        foreach (var source in sources)
        {
            closed += source(match, cut);
        }

        return closed;
    }

    public IReadOnlyList<(string Transport, string UserId)> Snapshot() => [.. _sessions.Values.Select(s => (s.Transport, s.UserId))];

    private sealed record Session(string Transport, string UserId, Action<SessionCut> Close);

    private sealed class Registration(SessionRegistry registry, long id) : IDisposable
    {
        public void Dispose() => registry._sessions.TryRemove(id, out _);
    }
}

public enum CloseHow
{
    /// <summary>An orderly close where the protocol has one (XMPP stream error); a reset otherwise.</summary>
    Graceful,

    /// <summary>The connection is reset.</summary>
    Reset,
}

/// <summary>
/// Reports one Update a cut cost a session: never written (<paramref name="writtenTicks"/> null), or written
/// just before a reset at that <see cref="System.Diagnostics.Stopwatch"/> timestamp.
/// </summary>
public delegate void LostUpdate(string transport, string userId, Notification notification, long? writtenTicks);

/// <summary>How a fault closes sessions, and where each closed session reports the Updates the cut cost it.</summary>
public sealed record SessionCut(CloseHow How, LostUpdate? Lost = null);
