using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Tasks;

[GenerateSerializer, Immutable, Alias("TaskBinding")]
public sealed record TaskBinding
{
    [Id(0)]
    public string? ContactId { get; init; }
}

/// <summary>
/// A CCE task id and its contact. Only called when a task is created or released (its submission refused, its
/// contact forgotten) or a Dialog request names an unknown id.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class TaskGrain([PersistentState("task", StorageNames.Grains)] IPersistentState<TaskBinding> state) : Grain, ITaskGrain
{
    public async ValueTask<bool> BindAsync(string contactId)
    {
        if (state.State.ContactId is { } bound)
        {
            return bound == contactId;
        }

        state.State = new TaskBinding { ContactId = contactId };
        await state.WriteStateAsync();
        return true;
    }

    public ValueTask<string?> GetContactIdAsync() => ValueTask.FromResult(state.State.ContactId);

    public async ValueTask ReleaseAsync(string contactId)
    {
        if (state.State.ContactId != contactId)
        {
            return;
        }

        await state.ClearStateAsync();
        state.State = new TaskBinding();
        DeactivateOnIdle();
    }
}
