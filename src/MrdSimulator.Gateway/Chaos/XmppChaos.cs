using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Xmpp;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// Wires the XMPP service to the chaos engine: its sessions join the ones failover and service-down cut,
/// <c>xmpp.disconnect</c> closes sessions when its window opens, and new connections are refused while the
/// side is out of service or an <c>xmpp.refuse</c> window hits.
/// </summary>
public static class XmppChaos
{
    public static void Attach(ChaosEngine engine, XmppServer server)
    {
        server.RefuseNewSessions = engine.DecideXmppRefusal;
        engine.Sessions.AddSource((match, cut) => server.CloseSessions(
            user => match("xmpp", user ?? string.Empty),
            cut.How == CloseHow.Reset,
            cut.Lost is { } lost ? (user, update, written) => lost("xmpp", user ?? string.Empty, update, written) : null));
        engine.FaultActivated += fault =>
        {
            if (fault.Kind == FaultKind.XmppDisconnect)
            {
                engine.CloseSessions(fault, (transport, user) =>
                {
                    if (transport != "xmpp" || !fault.Spec.Scope.MatchesUser(user.Length == 0 ? null : user) || !fault.Decide(user, out var n))
                    {
                        return false;
                    }

                    engine.Record(fault, user, n, $"xmpp session of '{user}' closed ({(fault.Spec.CloseMode == XmppCloseMode.Reset ? "reset" : "stream error")})");
                    return true;
                }, fault.Spec.CloseMode == XmppCloseMode.Reset ? CloseHow.Reset : CloseHow.Graceful);
            }

            return Task.CompletedTask;
        };
    }
}
