using System.Diagnostics;
using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Hosting;
using MrdSimulator.Grains.Simulation;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Gateway.Planning;

/// <summary>How one task of a planner run ended.</summary>
public enum TaskFate
{
    Answered,
    Abandoned,
    Expired,
}

/// <summary>One task of a run, in simulated seconds from the run's start.</summary>
/// <param name="LeftQueueAt">When it stopped waiting: offered to the agent who took it, or given up.</param>
/// <param name="EndedAt">When its agent closed it (answered tasks).</param>
public readonly record struct TaskObservation(double ArrivedAt, double LeftQueueAt, double? EndedAt, double WorkSeconds, TaskFate Fate)
{
    public double WaitSeconds => LeftQueueAt - ArrivedAt;
}

/// <summary>Everything one simulation observed, tasks in arrival order.</summary>
public sealed record PlanRun(int Agents, IReadOnlyList<TaskObservation> Tasks, double SimulatedSeconds, TimeSpan Elapsed, long TimerEvents);

/// <summary>
/// One planner run: a silo in this process on a discrete-event clock, bots signed in to one MRD, and the task
/// generator submitting through the same contact, queue and Media grains as the live simulator. Time jumps from event
/// to event once each event's consequences have landed, so the run costs only the CPU its events need and the figures
/// are those of the model asked for (no real-time hop inflates a wait or a handle time).
/// </summary>
public static class PlanSimulation
{
    private const int MrdId = 5000;
    private const string Selector = "Chat_SS";
    private static readonly TimeSpan DrainStep = TimeSpan.FromHours(1);

    /// <summary>Runs the model of <paramref name="options"/> with <paramref name="agents"/> agents.</summary>
    public static async Task<PlanRun> RunAsync(PlanOptions options, int agents, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.StartNew();
        var clock = new SimulatedTimeProvider(new SimulationWork());
        var host = BuildHost(options, agents, clock);
        try
        {
            await host.StartAsync(cancellationToken);
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            for (var i = 0; i < agents; i++)
            {
                var profile = new BotProfile(options.DialogsPerAgent, options.HandleSeconds, options.AcceptDelaySeconds, options.WrapUpSeconds,
                    BreakProbability: 0, RonaProbability: options.RonaProbability, Seed: unchecked(options.Seed * 7919 + i));
                await grains.GetGrain<IBotGrain>(new MediaGrainKey(UserId(i), MrdId).ToString()).StartAsync(profile);
            }

            await clock.Work.WhenIdle().WaitAsync(clock.IdleTimeout, cancellationToken);
            var generator = grains.GetGrain<ITaskGeneratorGrain>(MrdId);
            await generator.StartAsync(Generator(options));

            // Arrivals first (a profile or duration ends them; a task count ends them near the expected horizon), then
            // the drain: every task answered or given up.
            var tasks = options.Profile is null && options.Duration is null ? options.Tasks ?? PlanOptions.DefaultTasks : (int?)null;
            var arrivals = Arrivals(options);
            long events = clock.RunUntil(tasks is null ? arrivals : arrivals * 1.02);
            var submitted = await generator.GetSubmittedAsync();
            while ((tasks is not null && submitted.Length < tasks) || !await SettledAsync(grains, submitted.Length))
            {
                cancellationToken.ThrowIfCancellationRequested();
                events += clock.RunUntil(clock.Elapsed + DrainStep);
                submitted = await generator.GetSubmittedAsync();
            }

            var start = clock.Start.UtcDateTime;
            var records = new ContactRecord?[submitted.Length];
            const int batch = 2048;
            for (var i = 0; i < submitted.Length; i += batch)
            {
                var read = await Task.WhenAll(submitted.Skip(i).Take(batch).Select(id => grains.GetGrain<IContactGrain>(id).GetAsync().AsTask()));
                read.CopyTo(records, i);
            }

            var observed = records.Select(r => Observe(r ?? throw new InvalidOperationException("A submitted contact was lost"), start)).ToArray();
            return new PlanRun(agents, observed, clock.Elapsed.TotalSeconds, started.Elapsed, events);
        }
        finally
        {
            // The model lives only in this process, so nothing needs a graceful goodbye (a cancelled token stops the silo
            // at once), and the answer does not wait while tens of thousands of contact and task activations are torn down.
            await host.StopAsync(new CancellationToken(canceled: true));
            _ = Task.Run(host.Dispose, CancellationToken.None);
        }
    }

    /// <summary>Simulated seconds over which tasks arrive.</summary>
    private static TimeSpan Arrivals(PlanOptions options) =>
        options.Profile?.Length ?? options.Duration ?? TimeSpan.FromHours((options.Tasks ?? PlanOptions.DefaultTasks) / options.TasksPerHour);

    private static GeneratorProfile Generator(PlanOptions options)
    {
        // A duration is a one-interval profile: arrivals stop with it.
        var profile = options.Profile ?? (options.Duration is { } duration ? new ArrivalProfile(duration.TotalSeconds, [options.TasksPerHour]) : null);
        var count = profile is null ? options.Tasks ?? PlanOptions.DefaultTasks : (long?)null;
        return new GeneratorProfile(options.TasksPerHour, Selector, options.HandleSeconds, count, options.Seed, options.Handling, options.PatienceSeconds, profile);
    }

    private static async Task<bool> SettledAsync(IGrainFactory grains, int submitted)
    {
        var figures = await grains.GetGrain<IMrdStatsGrain>(MrdId).GetCapacityAsync();
        return figures.Handled + figures.Abandoned + figures.Expired >= submitted;
    }

    private static TaskObservation Observe(ContactRecord contact, DateTime start)
    {
        double Seconds(DateTime at) => (at - start).TotalSeconds;
        var leg = contact.Legs[^1];
        var arrived = Seconds(contact.CreatedAt);
        var work = contact.WorkHint?.TotalSeconds ?? 0;
        return leg.Outcome switch
        {
            TaskOutcome.Handled => new TaskObservation(arrived, Seconds(leg.LastOfferedAt!.Value), Seconds(leg.EndedAt!.Value), work, TaskFate.Answered),
            TaskOutcome.Cancelled => new TaskObservation(arrived, Seconds(leg.EndedAt!.Value), null, work, TaskFate.Abandoned),
            TaskOutcome.Expired => new TaskObservation(arrived, Seconds(leg.EndedAt!.Value), null, work, TaskFate.Expired),
            _ => throw new InvalidOperationException($"Contact {contact.ContactId} ended the run {leg.Outcome}"),
        };
    }

    private static IHost BuildHost(PlanOptions options, int agents, SimulatedTimeProvider clock)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Polly", LogLevel.Error);
        builder.Services.AddSingleton(Directory(options, agents));
        builder.Services.UseSimulatorClock(clock);

        // The model has no queue or memory limit: every arrival is taken and remembered until the report is read.
        builder.Services.AddSingleton(new TaskIntakeOptions { MaxTasksInQueue = int.MaxValue, MaxQueueBytes = long.MaxValue / 4, MaxFinishedBytes = long.MaxValue / 4 });
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: SimulatorSetup.FreeLoopbackPort(), gatewayPort: 0)
            .AddSimulatorGrains(new SimulatorSiloOptions { Store = GrainStateStore.InProcess, MailboxCapacity = int.MaxValue, CollectionAge = TimeSpan.FromDays(1) }));
        return builder.Build();
    }

    private static SimulatorDirectory Directory(PlanOptions options, int agents)
    {
        var demo = DemoDirectory.Create(agents, supervisors: 0);
        const int year = 31_536_000;

        // The agents work this MRD only: the demo users' other MRDs would be interrupted by every chat for nobody.
        var users = demo.Users.Select(u => u with { MrdIds = [MrdId] });

        // Nothing expires and nothing is refused: the planner's customers leave only by their patience.
        var mrds = DemoDirectory.Mrds.Select(m => m.Id == MrdId
            ? m with { TaskLifeSeconds = year, MaxTaskDurationSeconds = year, ServiceLevelThresholdSeconds = (int)Math.Ceiling(options.ThresholdSeconds) }
            : m);
        return new SimulatorDirectory(users, mrds, demo.ReasonCodes, demo.ScriptSelectors, demo.Feeds);
    }

    private static string UserId(int index) => (1000 + index).ToString(CultureInfo.InvariantCulture);
}
