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

/// <param name="TasksPerHour">Poisson arrival rate (simulated time); ignored when <paramref name="Profile"/> is set.</param>
/// <param name="MeanWorkSeconds">When set, each task carries an amount of work drawn from <paramref name="Work"/> that bots
/// honour (so a task's handle time is a property of the task, as in queueing models); otherwise bots sample their own.</param>
/// <param name="MaxTasks">Stop after this many tasks (null: run until stopped, or until the profile ends).</param>
/// <param name="Work">The distribution of each task's work around <paramref name="MeanWorkSeconds"/>.</param>
/// <param name="MeanPatienceSeconds">When set, each customer waits an exponential time with this mean and then cancels
/// the task as a CCP client would (DELETE); a task already offered to an agent is no longer cancellable.</param>
/// <param name="Profile">Arrival rates per interval (a non-homogeneous Poisson process); arrivals end with it.</param>
[GenerateSerializer, Immutable, Alias("GeneratorProfile")]
public sealed record GeneratorProfile(
    double TasksPerHour,
    string ScriptSelector,
    double? MeanWorkSeconds = null,
    long? MaxTasks = null,
    int Seed = 7,
    WorkDistribution? Work = null,
    double? MeanPatienceSeconds = null,
    ArrivalProfile? Profile = null)
{
    /// <summary>True when the run ends by itself, so the generator keeps the contacts it submitted for a report.</summary>
    public bool IsBounded => MaxTasks is not null || Profile is not null;
}

/// <summary>How a task's work is spread around its mean.</summary>
/// <param name="CoefficientOfVariation">Standard deviation ÷ mean, for <see cref="WorkShape.LogNormal"/>.</param>
[GenerateSerializer, Immutable, Alias("WorkDistribution")]
public sealed record WorkDistribution(WorkShape Shape, double CoefficientOfVariation = 1)
{
    public static readonly WorkDistribution Exponential = new(WorkShape.Exponential);
}

[GenerateSerializer]
public enum WorkShape : byte
{
    Exponential,
    LogNormal,
    Fixed,
}

/// <summary>Arrival rates in consecutive intervals of equal length from the start of the run (a day in 15-minute slots).</summary>
/// <param name="OriginSeconds">The time of day the first interval starts at, for labels only (08:00 is 28,800).</param>
[GenerateSerializer, Immutable, Alias("ArrivalProfile")]
public sealed record ArrivalProfile(double SlotSeconds, ImmutableArray<double> TasksPerHour, double OriginSeconds = 0)
{
    public TimeSpan Length => TimeSpan.FromSeconds(SlotSeconds * TasksPerHour.Length);
}

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
