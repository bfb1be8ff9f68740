namespace MrdSimulator.Domain.Planning;

/// <summary>The one entry point a planner needs: Erlang C without patience, Erlang A with it.</summary>
public static class Queueing
{
    /// <summary>
    /// Steady-state figures of <paramref name="model"/>: <see cref="ErlangC.Evaluate"/> when the workload's patience
    /// is null, <see cref="ErlangA.Evaluate"/> otherwise. Never throws for an overload (see
    /// <see cref="QueueFigures.Stable"/>); throws <see cref="ArgumentOutOfRangeException"/> for inputs out of range.
    /// </summary>
    public static QueueFigures Evaluate(QueueModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Workload.PatienceSeconds is null ? ErlangC.Evaluate(model) : ErlangA.Evaluate(model);
    }
}
