using System.Net;
using System.Security.Cryptography;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Simulation;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>Settings of simulated traffic (section <c>Tasks</c>, or the switches in <see cref="TaskSetup.SwitchMappings"/>).</summary>
public sealed record TaskSimulationOptions
{
    /// <summary>Simulated seconds per real second for every grain timer and bot duration (1 = real time).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Bot agents signed in to each non-voice MRD (taken from the highest user ids, so low ids stay free for real clients).</summary>
    public int BotsPerMrd { get; init; }

    /// <summary>Poisson arrivals per MRD per simulated hour (0: no generator).</summary>
    public double TasksPerHour { get; init; }

    public double MeanHandleSeconds { get; init; } = 180;

    public double BreakProbability { get; init; } = 0.05;

    public int BotMaxDialogLimit { get; init; } = 1;

    /// <summary>Bearer token for <c>/admin/*</c>; a random one is generated and printed when not set.</summary>
    public string? AdminToken { get; init; }
}

public static class TaskSetup
{
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--time-scale"] = "Tasks:TimeScale",
        ["--bots"] = "Tasks:BotsPerMrd",
        ["--task-rate"] = "Tasks:TasksPerHour",
        ["--handle-time"] = "Tasks:MeanHandleSeconds",
        ["--bot-dialogs"] = "Tasks:BotMaxDialogLimit",
        ["--admin-token"] = "Tasks:AdminToken",
    };

    /// <summary>Registers the simulation options, the (scaled) clock the silo runs on, and the host that starts bots and generators.</summary>
    public static IServiceCollection AddTaskSimulation(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new TaskSimulationOptions();
        configuration.GetSection("Tasks").Bind(options);
        if (!(options.TimeScale > 0) || options.TimeScale > 100_000)
        {
            throw new OptionsException("--time-scale", $"{options.TimeScale} is outside (0, 100000]");
        }

        if (options.BotsPerMrd < 0 || options.TasksPerHour < 0 || options.BotMaxDialogLimit is < 1 or > 10)
        {
            throw new OptionsException("--bots/--task-rate/--bot-dialogs", "must be non-negative (dialog limit 1..10)");
        }

        options = options with { AdminToken = string.IsNullOrEmpty(options.AdminToken) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)) : options.AdminToken };
        services.AddSingleton(options);

        // Registered after AddSimulator's TimeProvider.System, so the silo's clock is this one.
        if (options.TimeScale != 1)
        {
            services.AddSingleton<TimeProvider>(new ScaledTimeProvider(options.TimeScale));
        }

        services.AddHostedService<SimulationHost>();
        return services;
    }

    /// <summary>Admin endpoints answer only on loopback and with the admin bearer token.</summary>
    public static bool IsAdmin(HttpContext context, TaskSimulationOptions options)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null && !IPAddress.IsLoopback(remote))
        {
            return false;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer, StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(header[bearer.Length..].Trim()),
                System.Text.Encoding.UTF8.GetBytes(options.AdminToken!));
    }

    private sealed class SimulationHost(Silo silo, TaskSimulationOptions options) : IHostedService, IDisposable
    {
        private Timer? _sweep;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _sweep = new Timer(_ => silo.Tasks.Contacts.SweepExpired(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            var used = new HashSet<string>(StringComparer.Ordinal);
            var seed = 1;
            foreach (var mrd in silo.Directory.NonVoiceMrds)
            {
                if (options.BotsPerMrd > 0)
                {
                    var users = silo.Directory.Users
                        .Where(u => u.IsAssignedTo(mrd.Id) && !used.Contains(u.Id))
                        .OrderByDescending(u => u.Id.Length).ThenByDescending(u => u.Id, StringComparer.Ordinal)
                        .Take(options.BotsPerMrd)
                        .ToList();
                    var breakCode = silo.Directory.ReasonCodes.FirstOrDefault(r => r.Category == ReasonCodeCategory.NotReady && r.ForAll)?.Id;
                    foreach (var user in users)
                    {
                        used.Add(user.Id);
                        await silo.StartBotAsync(user.Id, mrd.Id, new BotProfile(
                            options.BotMaxDialogLimit, options.MeanHandleSeconds, BreakProbability: options.BreakProbability, BreakReasonCodeId: breakCode, Seed: seed++));
                    }

                    Console.WriteLine($"{users.Count} bot agents signed in to MRD {mrd.Id}");
                }

                if (options.TasksPerHour > 0 && silo.Directory.ScriptSelectorFor(mrd.Id) is { } selector)
                {
                    await silo.StartGeneratorAsync(mrd.Id, new GeneratorProfile(options.TasksPerHour, selector.Name, Seed: mrd.Id));
                    Console.WriteLine(FormattableString.Invariant($"Generating {options.TasksPerHour} tasks per hour on {selector.Name} (time scale {options.TimeScale})"));
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => _sweep?.Dispose();
    }
}
