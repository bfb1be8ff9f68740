using System.Text;
using MrdSimulator.Gateway.Tasks;

namespace MrdSimulator.Gateway.Configuration;

/// <summary>
/// The simulator's command line: the switches it maps onto configuration, their help text, and the check that
/// turns a mistyped switch into an error. ASP.NET Core's own command-line provider accepts any <c>--name value</c>
/// as a setting, so <c>--agent 5000</c> would otherwise start a simulator with the default 1,000 agents.
/// </summary>
public static class CommandLineSwitches
{
    /// <summary>Help text per switch, in the order <c>--help</c> prints them.</summary>
    public static readonly IReadOnlyList<(string Switch, string Help)> Help =
    [
        ("--urls URL[;URL]", "where HTTP listens (default http://127.0.0.1:5080, loopback only)"),
        ("--directory FILE", "users, MRDs and reason codes from YAML or JSON (docs/directory.md); default: a generated demo directory"),
        ("--agents N", "agents in the generated demo directory (default 1000)"),
        ("--xmpp-domain NAME", "xmppDomain in SystemInfo (default finesse.mrdsim.local)"),
        ("--xmpp-port N", "XMPP over TCP (default 5222; 0 = any free port, -1 = off)"),
        ("--xmpp-max-connections N", "XMPP connection cap (default 50000)"),
        ("--xmpp-queue-capacity N", "outbound stanzas queued per XMPP session before it is closed as too slow (default 1024)"),
        ("--max-sessions-per-user N", "notification sessions one user may hold, SSE streams and XMPP sessions together (default 16)"),
        ("--lockout-threshold N", "consecutive bad passwords that lock a user (default 5)"),
        ("--lockout-duration HH:MM:SS", "how long a lockout lasts (default 00:05:00)"),
        ("--mailbox-capacity N", "calls that may wait for one agent×MRD grain before new ones get 503 (default 1024)"),
        ("--collection-age HH:MM:SS", "idle time before a grain is deactivated (default 00:15:00)"),
        ("--silo-port N", "the Orleans silo port (embedded: loopback, default any free port; cluster silo: default 11111)"),
        ("--role all|silo|gateway", "the embedded simulator (default), or a silo or gateway of a cluster on Redis (docs/cluster.md)"),
        ("--redis HOST:PORT", "Redis for a cluster's membership and grain state (silo and gateway roles)"),
        ("--cluster-id ID", "the cluster's name in Redis membership (default mrdsim)"),
        ("--service-id ID", "part of every stored grain key: keep it across restarts over the same Redis (default mrdsim)"),
        ("--gateway-port N", "a cluster silo's port for gateway processes (default 30000)"),
        ("--advertised-address IP", "the address a cluster silo is reached on (default 127.0.0.1)"),
        ("--failure-detection default|fast", "how soon a silo that stopped answering is declared dead (fast: seconds, for one machine)"),
        ("--node-name NAME", "this process's name in a cluster (silo-2, gateway-1): its metrics' node label and the target of silo.kill/gateway.kill faults"),
        ("--bots N", "bot agents signed in to each non-voice MRD (docs/tasks.md; default 0)"),
        ("--task-rate N", "Poisson task arrivals per MRD per simulated hour (default 0: none)"),
        ("--handle-time SECONDS", "bots' mean handle time (default 180)"),
        ("--bot-dialogs N", "dialogs a bot handles at once"),
        ("--time-scale X", "simulated seconds per real second for timers and bots (default 1)"),
        ("--time-epoch INSTANT", "when simulated time equals real time (ISO 8601; a cluster with --time-scale needs the same one on every process)"),
        ("--max-tasks-in-queue N", "tasks an MRD's queue holds before new CCP submissions get 503, unless the MRD sets maxTasksInQueue (default 10000)"),
        ("--admin-token TOKEN", "token for /admin/* (at least 16 characters; generated and printed when absent)"),
        ("--admin-allow-remote true", "accept admin calls from non-loopback addresses (default: loopback only)"),
        ("--chaos-plan FILE", "chaos plan (YAML) to start with (docs/chaos.md)"),
        ("--chaos-seed N", "seed for the chaos plan's random choices"),
        ("--chaos-drops-capacity N", "records kept of notifications faults cost, for GET /admin/chaos/drops (default 50000; older ones are counted as overflowed)"),
        ("--telemetry on|off", "telemetry collection, /metrics and /dashboard (default on; docs/observability.md)"),
        ("--environment NAME", "ASP.NET Core environment (default Production)"),
        ("-h, --help", "print this help and exit"),
    ];

    /// <summary>Every switch mapped onto a setting (<c>--agents</c> → <c>Simulator:Agents</c>).</summary>
    public static IReadOnlyDictionary<string, string> Mappings { get; } =
        SimulatorSetup.SwitchMappings.Concat(TaskSetup.SwitchMappings).ToDictionary(StringComparer.OrdinalIgnoreCase);

    // Host settings ASP.NET Core reads from the command line itself (HostDefaults / WebHostDefaults); test hosts pass some.
    private static readonly HashSet<string> HostSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "environment", "applicationName", "contentRoot", "webroot", "http_ports", "https_ports", "https_port",
        "detailedErrors", "captureStartupErrors", "hostingStartupAssemblies", "hostingStartupExcludeAssemblies",
        "preventHostingStartup", "shutdownTimeoutSeconds", "suppressStatusMessages", "startupAssembly", "staticWebAssets",
    };

    public static bool WantsHelp(IReadOnlyList<string> args) => args.Any(a => a is "-h" or "--help" or "-?" or "/?");

    public static string Usage()
    {
        var text = new StringBuilder()
            .AppendLine("MRD Simulator: Cisco Finesse non-voice Media Routing Domain APIs (REST, notifications, XMPP, tasks, chaos).")
            .AppendLine()
            .AppendLine("Usage: dotnet run --project src/MrdSimulator.Gateway -- [switches]")
            .AppendLine("       dotnet run --project src/MrdSimulator.Gateway -- plan [switches]   (capacity planner on a virtual clock; plan --help)")
            .AppendLine()
            .AppendLine("Switches:");
        var width = Help.Max(h => h.Switch.Length) + 2;
        foreach (var (name, help) in Help)
        {
            text.Append("  ").Append(name.PadRight(width)).AppendLine(help);
        }

        return text
            .AppendLine()
            .AppendLine("Any setting can also be given as --Section:Key=value (for example --Simulator:Agents=5000) or in appsettings.json.")
            .ToString();
    }

    /// <summary>Returns the first argument that is neither a known switch, a section setting, nor a value; null when all are fine.</summary>
    public static string? FindUnknown(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg.StartsWith('/') || arg.StartsWith('-') ? arg[1..] : null;
            if (name is null)
            {
                return $"unexpected argument '{arg}' (switches start with --; run with --help)";
            }

            var equals = name.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? name : name[..equals];
            if (equals < 0)
            {
                i++; // the next argument is the value
            }

            // Configuration keys (--Simulator:Agents=5, and the bare section keys a test host passes, --Tasks=) are
            // PascalCase or sectioned; only the lower-case switch spelling is ours to check.
            if (Mappings.ContainsKey("--" + key) || HostSettings.Contains(key) || key.Length == 0 || char.IsUpper(key[0])
                || key.Contains(':', StringComparison.Ordinal) || key.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }

            var suggestion = Mappings.Keys.Concat(HostSettings.Select(h => "--" + h))
                .OrderBy(k => Distance(k, "--" + key))
                .First();
            var hint = Distance(suggestion, "--" + key) <= 3 ? $"; did you mean {suggestion}?" : "";
            return $"unknown switch '{arg}'{hint} (run with --help for the list)";
        }

        return null;
    }

    internal static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
