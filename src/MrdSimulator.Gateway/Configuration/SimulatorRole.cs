namespace MrdSimulator.Gateway.Configuration;

/// <summary>What one simulator process is (<c>--role</c>); one executable plays every part.</summary>
public enum SimulatorRole
{
    /// <summary>The embedded simulator: a silo co-hosted with the gateway, state in the process (the default).</summary>
    All,

    /// <summary>A silo of a cluster on Redis: hosts grains; serves only /health and /metrics over HTTP.</summary>
    Silo,

    /// <summary>A gateway of a cluster on Redis: the Finesse, CCP, XMPP and admin surface, as an Orleans client; no grains.</summary>
    Gateway,
}
