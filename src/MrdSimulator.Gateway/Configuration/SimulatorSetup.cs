using System.Net;
using System.Net.Sockets;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.Observability;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Gateway.Xmpp;
using MrdSimulator.Grains.Hosting;
using StackExchange.Redis;

namespace MrdSimulator.Gateway.Configuration;

public static class SimulatorSetup
{
    /// <summary>Command-line spellings (<c>--directory x.yaml</c>) of the Simulator settings.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--directory"] = "Simulator:DirectoryFile",
        ["--agents"] = "Simulator:Agents",
        ["--xmpp-domain"] = "Simulator:XmppDomain",
        ["--lockout-threshold"] = "Simulator:LockoutThreshold",
        ["--lockout-duration"] = "Simulator:LockoutDuration",
        ["--mailbox-capacity"] = "Simulator:MailboxCapacity",
        ["--collection-age"] = "Simulator:CollectionAge",
        ["--silo-port"] = "Simulator:SiloPort",
        ["--gateway-port"] = "Simulator:GatewayPort",
        ["--role"] = "Simulator:Role",
        ["--redis"] = "Simulator:Redis",
        ["--cluster-id"] = "Simulator:ClusterId",
        ["--service-id"] = "Simulator:ServiceId",
        ["--advertised-address"] = "Simulator:AdvertisedAddress",
        ["--failure-detection"] = "Simulator:FailureDetection",
        ["--node-name"] = "Simulator:NodeName",
        ["--admin-allow-remote"] = "Chaos:AdminAllowRemote",
        ["--chaos-plan"] = "Chaos:PlanFile",
        ["--chaos-seed"] = "Chaos:Seed",
        ["--chaos-drops-capacity"] = "Chaos:DropsCapacity",
        ["--telemetry"] = "Simulator:Telemetry",
        ["--xmpp-port"] = "Simulator:Xmpp:Port",
        ["--xmpp-max-connections"] = "Simulator:Xmpp:MaxConnections",
        ["--xmpp-queue-capacity"] = "Simulator:Xmpp:QueueCapacity",
        ["--max-sessions-per-user"] = "Simulator:MaxSessionsPerUser",
    };

    public static SimulatorOptions ReadOptions(IConfiguration configuration)
    {
        var options = new SimulatorOptions();
        configuration.GetSection("Simulator").Bind(options);
        if (options.Agents is < 1 or > 2_000_000)
        {
            throw new OptionsException("--agents", $"{options.Agents} is outside 1..2000000");
        }

        if (options.LockoutThreshold < 1)
        {
            throw new OptionsException("--lockout-threshold", "must be at least 1");
        }

        if (options.MailboxCapacity < 1)
        {
            throw new OptionsException("--mailbox-capacity", "must be at least 1");
        }

        if (options.SiloPort is < 0 or > 65535)
        {
            throw new OptionsException("--silo-port", $"{options.SiloPort} is outside 0..65535");
        }

        if (options.GatewayPort is < 0 or > 65535)
        {
            throw new OptionsException("--gateway-port", $"{options.GatewayPort} is outside 0..65535");
        }

        if (options.Role != SimulatorRole.All && string.IsNullOrWhiteSpace(options.Redis))
        {
            throw new OptionsException("--redis", $"the {options.Role.ToString().ToLowerInvariant()} role needs Redis (--redis host:port)");
        }

        if (options.Role == SimulatorRole.All && !string.IsNullOrWhiteSpace(options.Redis))
        {
            throw new OptionsException("--redis", "the embedded simulator keeps its state in the process; use --role silo or --role gateway for a cluster on Redis");
        }

        if (options.NodeName is { } name && (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new OptionsException("--node-name", $"'{name}' must be 1-64 letters, digits, '-', '_' or '.'");
        }

        options = options with { NodeName = options.NodeName ?? $"{options.Role.ToString().ToLowerInvariant()}-{Environment.ProcessId}" };

        if (options.MaxSessionsPerUser < 1)
        {
            throw new OptionsException("--max-sessions-per-user", "must be at least 1");
        }

        if (options.StreamWriteTimeout <= TimeSpan.Zero)
        {
            throw new OptionsException("Simulator:StreamWriteTimeout", "must be positive");
        }

        return options;
    }

    public static SimulatorDirectory LoadDirectory(SimulatorOptions options) =>
        options.DirectoryFile is { } file ? DirectoryLoader.LoadFile(file) : DemoDirectory.Create(options.Agents);

    /// <summary>
    /// The simulator in its role: on the embedded default an Orleans silo co-hosted in this web host (localhost
    /// clustering, state in this process) with the gateway's services, which reach the grains through the host's
    /// <c>IGrainFactory</c> without a network hop; in a cluster on Redis a silo (grains, /health and /metrics) or a
    /// gateway (everything a client talks to, as an Orleans client).
    /// </summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder, SimulatorOptions options, SimulatorDirectory directory)
    {
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(directory);

        // Orleans logs each silo stage and Polly each activation's placement at Information; the silo's notes on
        // workstation GC (chosen here for memory) and the watchdog's first check are noise too.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        var grains = new SimulatorSiloOptions
        {
            MailboxCapacity = options.MailboxCapacity,
            CollectionAge = options.CollectionAge,
            CollectionQuantum = options.CollectionQuantum,
            Store = options.Role == SimulatorRole.All ? GrainStateStore.InProcess : GrainStateStore.Redis,
        };
        // Grain call spans only when traces leave the process: the tracing filters cost every call (docs/benchmarks.md).
        var traced = options.Telemetry == TelemetryMode.On && Observability.Tracing.OpenTelemetryExport.Decide(builder.Configuration).Traces;
        switch (options.Role)
        {
            case SimulatorRole.All:
                builder.UseOrleans(silo =>
                {
                    // The silo talks to no other silo and serves no external client: loopback, no gateway port.
                    silo.UseLocalhostClustering(siloPort: options.SiloPort > 0 ? options.SiloPort : FreeLoopbackPort(), gatewayPort: 0)
                        .AddSimulatorGrains(grains);
                    if (traced)
                    {
                        silo.AddActivityPropagation();
                    }
                });
                services.AddGateway(options, builder.Configuration);
                break;
            case SimulatorRole.Silo:
                builder.UseOrleans(silo =>
                {
                    silo.UseSimulatorCluster(Cluster(options), AdvertisedAddress(options), options.SiloPort > 0 ? options.SiloPort : 11111, options.GatewayPort > 0 ? options.GatewayPort : 30000)
                        .AddSimulatorGrains(grains);
                    if (traced)
                    {
                        silo.AddActivityPropagation();
                    }
                });
                services.AddSiloObservability(options, builder.Configuration);
                break;
            case SimulatorRole.Gateway:
                builder.UseOrleansClient(client =>
                {
                    client.UseSimulatorCluster(Cluster(options))
                        .AddGatewayCountChangedHandler(sp => (_, e) => sp.GetRequiredService<NotificationRelay>().ClusterChanged(e.NumberOfConnectedGateways, e.PreviousNumberOfConnectedGateways));
                    if (traced)
                    {
                        client.AddActivityPropagation();
                    }
                });
                services.AddGateway(options, builder.Configuration);
                break;
        }

        if (options.Role != SimulatorRole.All)
        {
            // Besides Orleans' own connections: the cluster's chaos log (Chaos/Cluster/RedisChaosLog).
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(Cluster(options).RedisOptions()));
        }

        return builder;
    }

    /// <summary>The cluster this process joins (silo and gateway roles); checked by <see cref="ReadOptions"/>.</summary>
    public static ClusterConnection Cluster(SimulatorOptions options) =>
        new(options.Redis!, options.ClusterId, options.ServiceId, options.FailureDetection);

    /// <summary>What a client talks to: the Finesse and CCP APIs, notifications over SSE and XMPP, admin and observability.</summary>
    private static void AddGateway(this IServiceCollection services, SimulatorOptions options, IConfiguration configuration)
    {
        services.AddSingleton<NotificationHub>();
        services.AddSingleton<NotificationRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationRelay>());
        services.AddSingleton<ServiceStatus>();
        services.AddSingleton<FinesseAuthenticator>();
        services.AddObservability(options, configuration);
        services.AddSingleton<UserSessionLimit>();
        services.AddXmpp();
    }

    private static IPAddress AdvertisedAddress(SimulatorOptions options) =>
        IPAddress.TryParse(options.AdvertisedAddress, out var address) ? address : throw new OptionsException("--advertised-address", $"'{options.AdvertisedAddress}' is not an IP address");

    /// <summary>A port the OS says is free on loopback now (a race only with another process binding it in the next moment).</summary>
    internal static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>A command-line or configuration value the simulator cannot start with.</summary>
public sealed class OptionsException(string option, string reason) : Exception($"{option}: {reason}");
