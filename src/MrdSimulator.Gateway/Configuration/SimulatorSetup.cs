using System.Net;
using System.Net.Sockets;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Notifications;
using MrdSimulator.Gateway.Observability;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Gateway.Xmpp;
using MrdSimulator.Grains.Hosting;

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
    /// The simulator on its embedded default: an Orleans silo co-hosted in this web host (localhost clustering,
    /// state in this process) and the gateway's own services, which reach the grains through the host's
    /// <c>IGrainFactory</c> without a network hop.
    /// </summary>
    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder, SimulatorOptions options, SimulatorDirectory directory)
    {
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(directory);
        builder.UseOrleans(silo =>
        {
            // The silo talks to no other silo and serves no external client: loopback, no gateway port.
            silo.UseLocalhostClustering(siloPort: options.SiloPort > 0 ? options.SiloPort : FreeLoopbackPort(), gatewayPort: 0);
            silo.AddSimulatorGrains(new SimulatorSiloOptions
            {
                MailboxCapacity = options.MailboxCapacity,
                CollectionAge = options.CollectionAge,
                CollectionQuantum = options.CollectionQuantum,
                Store = GrainStateStore.InProcess,
            });
            silo.AddActivityPropagation();
        });

        // Orleans logs each silo stage and Polly each activation's placement at Information.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        services.AddSingleton<NotificationHub>();
        services.AddSingleton<NotificationRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationRelay>());
        services.AddSingleton<ServiceStatus>();
        services.AddSingleton<FinesseAuthenticator>();
        services.AddObservability(options, builder.Configuration);
        services.AddSingleton<Notifications.UserSessionLimit>();
        services.AddXmpp();
        return builder;
    }

    /// <summary>A port the OS says is free on loopback now (a race only with another process binding it in the next moment).</summary>
    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>A command-line or configuration value the simulator cannot start with.</summary>
public sealed class OptionsException(string option, string reason) : Exception($"{option}: {reason}");
