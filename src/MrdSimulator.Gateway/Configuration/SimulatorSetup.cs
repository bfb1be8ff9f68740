using MrdSimulator.Domain.Directory;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Gateway.Observability;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Gateway.SystemInfo;
using MrdSimulator.Gateway.Xmpp;

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

    public static IServiceCollection AddSimulator(this IServiceCollection services, SimulatorOptions options, SimulatorDirectory directory)
    {
        services.AddSingleton(options);
        services.AddSingleton(directory);
        services.AddSingleton(TimeProvider.System);
        // Resolved from the container so that tests and hosts can replace options, directory or clock.
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<SimulatorOptions>();
            return new Silo(
                sp.GetRequiredService<SimulatorDirectory>(),
                new GrainRuntimeOptions { MailboxCapacity = o.MailboxCapacity, CollectionAge = o.CollectionAge, CollectionQuantum = o.CollectionQuantum },
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => sp.GetRequiredService<Silo>().Hub);
        services.AddSingleton<ServiceStatus>();
        services.AddSingleton<FinesseAuthenticator>();
        services.AddHostedService<SiloLifetime>();
        services.AddObservability(options);
        services.AddSingleton<Notifications.UserSessionLimit>();
        services.AddXmpp();
        return services;
    }

    /// <summary>Starts idle collection with the host; the container disposes the silo.</summary>
    private sealed class SiloLifetime(Silo silo) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            silo.Runtime.StartCollector();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A command-line or configuration value the simulator cannot start with.</summary>
public sealed class OptionsException(string option, string reason) : Exception($"{option}: {reason}");
