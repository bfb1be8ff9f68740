using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Grains.Tasks;

/// <summary>
/// Bounds on what CCP clients can make the simulator hold, whatever they submit (docs/tasks.md, "Bounded intake").
/// The gateway sets them from <c>--max-tasks-in-queue</c> and the <c>Tasks:</c> settings.
/// </summary>
public sealed record TaskIntakeOptions
{
    public const int DefaultMaxTasksInQueue = 10_000;

    public const int DefaultMaxQueueMiB = 64;

    public const int DefaultMaxFinishedMiB = 64;

    /// <summary>Tasks one MRD's queue holds before new submissions are refused, unless the MRD sets its own maxTasksInQueue.</summary>
    public int MaxTasksInQueue { get; init; } = DefaultMaxTasksInQueue;

    /// <summary>Estimated memory (<see cref="TaskFootprint"/>) of the requests waiting in one MRD's queue before new submissions are refused.</summary>
    public long MaxQueueBytes { get; init; } = DefaultMaxQueueMiB * 1024L * 1024;

    /// <summary>Estimated memory of the finished contacts one silo keeps for polls; past it the oldest are forgotten.</summary>
    public long MaxFinishedBytes { get; init; } = DefaultMaxFinishedMiB * 1024L * 1024;
}

/// <summary>
/// What a contact's request costs in memory, estimated from its text: a .NET string takes two bytes a character and
/// about 26 besides, and a contact's record, ledger and activation about 1 KiB. A 60 KB request comes to about
/// 120 KiB, which is what the simulator measured per queued contact (docs/benchmarks.md).
/// </summary>
public static class TaskFootprint
{
    private const int PerContact = 1024;

    public static int Of(TaskSubmission submission)
    {
        var bytes = PerContact + Text(submission.Name) + Text(submission.Title) + Text(submission.Description) + Text(submission.ScriptSelector);
        foreach (var tag in submission.Tags)
        {
            bytes += Text(tag);
        }

        foreach (var variable in submission.Variables)
        {
            bytes += Text(variable.Name) + Text(variable.Value);
        }

        return (int)Math.Min(bytes, int.MaxValue);
    }

    private static long Text(string? text) => text is null ? 0 : 26 + (2L * text.Length);
}
