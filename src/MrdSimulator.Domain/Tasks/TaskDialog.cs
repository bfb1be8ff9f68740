using System.Collections.Immutable;
using MrdSimulator.Domain.Media;
using Orleans;

namespace MrdSimulator.Domain.Tasks;

/// <summary>
/// One non-voice Dialog as the agent's Media grain holds it. <see cref="Id"/> is the CCE task id
/// (<c>prefix_callId_sequence</c>, e.g. <c>151635_312_1</c>), which is also the contact's <c>taskID</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("TaskDialog")]
public sealed record TaskDialog(
    string Id,
    string ContactId,
    string UserId,
    int MrdId,
    string MediaType,
    DialogState State,
    ImmutableArray<TaskVariable> CallVariables,
    string QueueName,
    int QueueNumber,
    int CallKeyPrefix,
    int CallKeyCallId,
    int CallKeySequenceNum,
    DateTime StartTime,
    DateTime StateChangeTime,
    string? DispositionCode = null,
    TimeSpan? WorkHint = null)
{
    public DialogSummary Summary => new(Id, State);
}
