using System.Collections.Concurrent;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// The live notification sessions (SSE streams, XMPP sessions) the chaos layer may cut: each transport
/// registers a session with a way to close it, and unregisters when it ends.
/// </summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<long, Session> _sessions = new();
    private readonly List<Func<Func<string, string, bool>, CloseHow, int>> _sources = [];
    private long _next;

    /// <summary>A transport that keeps its own session table (XMPP): closes its sessions that match, returns how many.</summary>
    public void AddSource(Func<Func<string, string, bool>, CloseHow, int> close)
    {
        lock (_sources)
        {
            _sources.Add(close);
        }
    }

    public int Count => _sessions.Count;

    /// <param name="transport"><c>sse</c> or <c>xmpp</c>.</param>
    /// <param name="close">Closes the session; the argument says how (<see cref="CloseHow"/>).</param>
    public IDisposable Register(string transport, string userId, Action<CloseHow> close)
    {
        var id = Interlocked.Increment(ref _next);
        _sessions[id] = new Session(transport, userId, close);
        return new Registration(this, id);
    }

    /// <summary>Closes the sessions that match; returns how many were closed.</summary>
    public int Close(Func<string, string, bool> match, CloseHow how)
    {
        var closed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (match(session.Transport, session.UserId) && _sessions.TryRemove(id, out _))
            {
                try
                {
                    session.Close(how);
                }
                catch (ObjectDisposedException)
                {
                    // The session ended on its own meanwhile.
                }

                closed++;
            }
        }

        Func<Func<string, string, bool>, CloseHow, int>[] sources;
        lock (_sources)
        {
            sources = [.. _sources];
        }

        foreach (var source in sources)
        {
            closed += source(match, how);
        }

        return closed;
    }

    public IReadOnlyList<(string Transport, string UserId)> Snapshot() => [.. _sessions.Values.Select(s => (s.Transport, s.UserId))];

    private sealed record Session(string Transport, string UserId, Action<CloseHow> Close);

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
