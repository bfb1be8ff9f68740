using System.Collections.Immutable;
using Orleans;

namespace MrdSimulator.Domain.Tasks;

/// <summary>One <c>variables/variable</c> of a task request: a name and a (possibly empty) value.</summary>
[GenerateSerializer, Immutable]
public readonly record struct TaskVariable(string Name, string Value);

/// <summary>A CCP task request (POST body or GET query), validated.</summary>
[GenerateSerializer, Immutable, Alias("TaskSubmission")]
public sealed record TaskSubmission(
    string Name,
    string Title,
    string? Description,
    string ScriptSelector,
    bool RequeueOnRecovery,
    ImmutableArray<string> Tags,
    ImmutableArray<TaskVariable> Variables)
{
    public static TaskSubmission Create(string scriptSelector, string name = "Customer", string title = "Task", params TaskVariable[] variables) =>
        new(name, title, null, scriptSelector, false, [], [.. variables]);
}

/// <summary>
/// How task variables reach CCE and the agent's Dialog: <c>cv_1</c>…<c>cv_10</c> become call variables
/// <c>callVariable1</c>…<c>callVariable10</c>, <c>user_&lt;ecc&gt;</c> the ECC variable <c>&lt;ecc&gt;</c>
/// (both prefixes case-insensitive); every other name stays a CCP extension field.
/// </summary>
public static class TaskVariables
{
    public static ImmutableArray<TaskVariable> ToCallVariables(ImmutableArray<TaskVariable> variables)
    {
        var callVariables = new string?[10];
        var ecc = ImmutableArray.CreateBuilder<TaskVariable>();
        foreach (var variable in variables)
        {
            if (TryCallVariable(variable.Name, out var n))
            {
                callVariables[n - 1] = variable.Value;
            }
            else if (variable.Name.Length > 5 && variable.Name.StartsWith("user_", StringComparison.OrdinalIgnoreCase))
            {
                ecc.Add(new TaskVariable(variable.Name[5..], variable.Value));
            }
        }

        var result = ImmutableArray.CreateBuilder<TaskVariable>();
        for (var i = 0; i < callVariables.Length; i++)
        {
            if (callVariables[i] is { } value)
            {
                result.Add(new TaskVariable($"callVariable{i + 1}", value));
            }
        }

        result.AddRange(ecc);
        return result.ToImmutable();
    }

    private static bool TryCallVariable(string name, out int n)
    {
        n = 0;
        return name.Length is 4 or 5
            && name.StartsWith("cv_", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(name.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n)
            && n is >= 1 and <= 10
            && name[3] != '0';
    }
}
