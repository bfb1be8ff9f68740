using System.Collections.Immutable;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Grains.Media;

/// <summary>
/// The task side of one agent in one MRD, persisted next to <see cref="Domain.Media.MediaState"/>: the
/// live dialogs in offer order, and the agent's other MRDs whose work interrupts this one.
/// </summary>
public sealed record MediaTaskState
{
    public static readonly MediaTaskState Initial = new();

    public ImmutableList<TaskDialog> Dialogs { get; init; } = [];

    public ImmutableSortedSet<int> InterruptedBy { get; init; } = [];

    public TaskDialog? Find(string dialogId) => Dialogs.Find(d => d.Id == dialogId);
}

/// <summary>The synchronous answer to a dialog action; everything else arrives as notifications.</summary>
public enum DialogActResult
{
    /// <summary>Applied (202); Dialogs/Media notifications follow.</summary>
    Accepted,

    /// <summary>Refused asynchronously (202 then an apiErrors Update), e.g. while interrupted.</summary>
    AcceptedWithAsyncError,

    /// <summary>This agent holds no such dialog in this MRD (404).</summary>
    NotFound,

    /// <summary>The dialog's state does not allow the action (400 Invalid Input).</summary>
    NotAllowed,

    /// <summary>TRANSFER to a script selector that does not exist (400 Invalid Input).</summary>
    UnknownTarget,
}
