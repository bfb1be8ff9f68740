using System.Security.Cryptography;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.Grains.Hosting;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>Settings of tasks: simulated traffic and intake limits (section <c>Tasks</c>, or the switches in <see cref="TaskSetup.SwitchMappings"/>).</summary>
public sealed record TaskSimulationOptions
{
    /// <summary>Simulated seconds per real second for every grain timer and bot duration (1 = real time).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>
    /// The real instant at which simulated time equals real time (<c>--time-epoch</c>). Each process of a cluster
    /// computes simulated time from it, so silos and gateways agree; the embedded simulator defaults to its start.
    /// </summary>
    public DateTimeOffset? TimeEpoch { get; init; }

    /// <summary>Bot agents signed in to each non-voice MRD (taken from the highest user ids, so low ids stay free for real clients).</summary>
    public int BotsPerMrd { get; init; }

    /// <summary>Poisson arrivals per MRD per simulated hour (0: no generator).</summary>
    public double TasksPerHour { get; init; }

    public double MeanHandleSeconds { get; init; } = 180;

    public double BreakProbability { get; init; } = 0.05;

    public int BotMaxDialogLimit { get; init; } = 1;

    /// <summary>Tasks an MRD's queue holds before new submissions get 503, for MRDs without their own maxTasksInQueue.</summary>
    public int MaxTasksInQueue { get; init; } = TaskIntakeOptions.DefaultMaxTasksInQueue;

    /// <summary>MiB of task requests (estimated) an MRD's queue holds before new submissions get 503.</summary>
    public int MaxQueueMiB { get; init; } = TaskIntakeOptions.DefaultMaxQueueMiB;

    /// <summary>MiB of finished contacts (estimated) kept for polls; past it the oldest are forgotten.</summary>
    public int FinishedContactsMiB { get; init; } = TaskIntakeOptions.DefaultMaxFinishedMiB;

    /// <summary>
    /// The admin token as given (<c>--admin-token</c>) or generated; <c>ChaosOptions.Read</c> settles it first, so it is
    /// <c>ChaosOptions.AdminToken</c>, the one token <c>AdminAccess</c> checks on every <c>/admin</c> route.
    /// </summary>
    public string? AdminToken { get; init; }
}

public static class TaskSetup
{
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--time-scale"] = "Tasks:TimeScale",
        ["--time-epoch"] = "Tasks:TimeEpoch",
        ["--bots"] = "Tasks:BotsPerMrd",
        ["--task-rate"] = "Tasks:TasksPerHour",
        ["--handle-time"] = "Tasks:MeanHandleSeconds",
        ["--bot-dialogs"] = "Tasks:BotMaxDialogLimit",
        ["--admin-token"] = "Tasks:AdminToken",
        ["--max-tasks-in-queue"] = "Tasks:MaxTasksInQueue",
    };

    /// <summary>
    /// Registers the simulation options, the (scaled) clock grains run on, and — where clients are served (embedded
    /// or gateway role) — the host that starts bots and generators. Starting them is idempotent, so every gateway of a
    /// cluster may do it.
    /// </summary>
    public static IServiceCollection AddTaskSimulation(this IServiceCollection services, IConfiguration configuration, SimulatorRole role)
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

        if (role != SimulatorRole.All && options.TimeScale != 1 && options.TimeEpoch is null)
        {
            throw new OptionsException("--time-epoch", "a cluster with --time-scale needs the same --time-epoch (an ISO 8601 instant) on every silo and gateway, so they agree on simulated time");
        }

        if (options.TimeEpoch > DateTimeOffset.UtcNow.AddMinutes(5))
        {
            throw new OptionsException("--time-epoch", $"{options.TimeEpoch:O} is in the future");
        }

        if (options.MaxTasksInQueue is < 1 or > DirectoryLoader.MaxTasksInQueue)
        {
            throw new OptionsException("--max-tasks-in-queue", $"{options.MaxTasksInQueue} is outside 1..{DirectoryLoader.MaxTasksInQueue}");
        }

        RequireMiB("Tasks:MaxQueueMiB", options.MaxQueueMiB);
        RequireMiB("Tasks:FinishedContactsMiB", options.FinishedContactsMiB);
        services.AddSingleton(new TaskIntakeOptions
        {
            MaxTasksInQueue = options.MaxTasksInQueue,
            MaxQueueBytes = options.MaxQueueMiB * 1024L * 1024,
            MaxFinishedBytes = options.FinishedContactsMiB * 1024L * 1024,
        });
        options = options with { AdminToken = string.IsNullOrEmpty(options.AdminToken) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)) : options.AdminToken };
        services.AddSingleton(options);
        services.AddSingleton<GeneratorStart>();

        // The grains' clock only: Orleans' membership, messaging and collection keep real time.
        if (options.TimeScale != 1)
        {
            services.UseSimulatorClock(new ScaledTimeProvider(options.TimeScale, epoch: options.TimeEpoch));
        }

        if (role != SimulatorRole.Silo)
        {
            services.AddHostedService<SimulationHost>();
        }

        // Gateways answer CCP's Task API, CORS-enabled for browser task clients.
        services.AddCors();
        return services;
    }

    private static void RequireMiB(string setting, int mib)
    {
        if (mib is < 1 or > 1_048_576)
        {
            throw new OptionsException(setting, $"{mib} MiB is outside 1..1048576");
        }
    }

    private sealed class SimulationHost(
        IGrainFactory grains,
        SimulatorDirectory directory,
        TaskSimulationOptions options,
        GeneratorStart generatorStart,
        [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            var seed = 1;
            foreach (var mrd in directory.NonVoiceMrds)
            {
                if (options.BotsPerMrd > 0)
                {
                    var users = directory.Users
                        .Where(u => u.IsAssignedTo(mrd.Id) && !used.Contains(u.Id))
                        .OrderByDescending(u => u.Id.Length).ThenByDescending(u => u.Id, StringComparer.Ordinal)
                        .Take(options.BotsPerMrd)
                        .ToList();
                    var breakCode = directory.ReasonCodes.FirstOrDefault(r => r.Category == ReasonCodeCategory.NotReady && r.ForAll)?.Id;
                    foreach (var user in users)
                    {
                        used.Add(user.Id);
                        await grains.GetGrain<IBotGrain>(new MediaGrainKey(user.Id, mrd.Id).ToString()).StartAsync(new BotProfile(
                            options.BotMaxDialogLimit, options.MeanHandleSeconds, BreakProbability: options.BreakProbability, BreakReasonCodeId: breakCode, Seed: seed++));
                    }

                    Console.WriteLine($"{users.Count} bot agents signed in to MRD {mrd.Id}");
                }

                if (options.TasksPerHour > 0 && directory.ScriptSelectorFor(mrd.Id) is { } selector)
                {
                    generatorStart.At ??= time.GetUtcNow();
                    await grains.GetGrain<ITaskGeneratorGrain>(mrd.Id).StartAsync(new GeneratorProfile(options.TasksPerHour, selector.Name, Seed: mrd.Id));
                    Console.WriteLine(FormattableString.Invariant($"Generating {options.TasksPerHour} tasks per hour on {selector.Name} (time scale {options.TimeScale})"));
                }
            }

            // Said once, after the traffic it is about; it never stops start-up.
            if (TimeScaleAdvice.StartupLine(options) is { } advice)
            {
                Console.WriteLine(advice);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>When this process started the task generators (simulated time), so the capacity report can show the arrival rate they achieved.</summary>
public sealed class GeneratorStart
{
    public DateTimeOffset? At { get; set; }
}
