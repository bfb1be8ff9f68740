using System.Collections.Immutable;
using MrdSimulator.GrainInterfaces.Notifications;

namespace MrdSimulator.GrainInterfaces.Simulation;

/// <summary>How a bot agent works. Durations are in simulated time (they speed up with the time scale).</summary>
/// <param name="MeanHandleSeconds">Mean of the exponential time from START to WRAP_UP, used when the task carries no work of its own.</param>
/// <param name="BreakProbability">Chance of taking a NOT_READY break (with <paramref name="BreakReasonCodeId"/>) after a task.</param>
/// <param name="RonaProbability">Chance of letting an offer ring out (RONA) instead of accepting it.</param>
[GenerateSerializer, Immutable, Alias("BotProfile")]
public sealed record BotProfile(
    int MaxDialogLimit = 1,
    double MeanHandleSeconds = 180,
    double AcceptDelaySeconds = 2,
    double WrapUpSeconds = 10,
    double BreakProbability = 0.05,
    double MeanBreakSeconds = 300,
    int? BreakReasonCodeId = null,
    double RonaProbability = 0,
    int Seed = 1);

/// <param name="TasksPerHour">Poisson arrival rate (simulated time).</param>
/// <param name="MeanWorkSeconds">When set, each task carries an exponential amount of work that bots honour
/// (so a task's handle time is a property of the task, as in queueing models); otherwise bots sample their own.</param>
/// <param name="MaxTasks">Stop after this many tasks (null: run until stopped).</param>
[GenerateSerializer, Immutable, Alias("GeneratorProfile")]
public sealed record GeneratorProfile(double TasksPerHour, string ScriptSelector, double? MeanWorkSeconds = null, long? MaxTasks = null, int Seed = 7);

/// <summary>
/// A simulated agent in one MRD (key: the Media grain's <c>"{userId}/{mrdId}"</c>), driven by the same Updates
/// and grain calls as a real client: it subscribes to its Media grain, and on an offer accepts, starts, works for a
/// sampled handle time, wraps up and closes; between tasks it sometimes takes a break with a reason code.
/// </summary>
[Alias("IBotGrain")]
public interface IBotGrain : IGrainWithStringKey, IUpdateSubscriber
{
    /// <summary>Signs the agent in and makes it READY; false when the bot already runs.</summary>
    [Alias("Start")]
    ValueTask<bool> StartAsync(BotProfile profile);

    /// <summary>Signs the agent out; false when the bot was not running.</summary>
    [Alias("Stop")]
    ValueTask<bool> StopAsync();
}

/// <summary>Poisson task arrivals on one MRD (key: MRD id), submitted through the same path as CCP clients.</summary>
[Alias("ITaskGeneratorGrain")]
public interface ITaskGeneratorGrain : IGrainWithIntegerKey
{
    [Alias("Start")]
    ValueTask<bool> StartAsync(GeneratorProfile profile);

    [Alias("Stop")]
    ValueTask StopAsync();

    /// <summary>The contacts this generator submitted, in order, when its profile bounds the run (<see cref="GeneratorProfile.MaxTasks"/>).</summary>
    [ReadOnly]
    [Alias("GetSubmitted")]
    ValueTask<ImmutableArray<string>> GetSubmittedAsync();
}
