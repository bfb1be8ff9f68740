using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Gateway.Planning;

/// <summary>A staffing answer: the fewest agents that met the target in simulation, and the formula's answer beside it.</summary>
/// <param name="Tried">Every agent count simulated, with its figures (common random numbers: the same arrivals and work each time).</param>
public sealed record StaffingAnswer(int Agents, int FormulaAgents, PlanFigures Figures, IReadOnlyList<PlanFigures> Tried);

/// <summary>
/// Finds the smallest agent count whose simulated service level and abandonment meet the targets. It starts from the
/// Erlang C/A answer and walks down while the target still holds, or up until it does: one or two runs when the model
/// is the formula's, more where the model's features (multi-dialog agents, RONA, wrap-up, non-exponential handling)
/// move the answer. Every candidate sees the same seed, so the comparison between counts is not blurred by noise.
/// </summary>
public static class StaffingSearch
{
    public static async Task<StaffingAnswer> FindAsync(PlanOptions options, Func<PlanOptions, int, Task<PlanFigures>> simulate, CancellationToken cancellationToken = default)
    {
        var formula = FormulaAgents(options);
        var tried = new Dictionary<int, PlanFigures>();

        // Candidates are simulated two at a time (independent silos in this process): the answer is usually the
        // formula's or next to it, so the first pair often settles it.
        async Task TryAsync(params int[] counts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fresh = counts.Where(n => n >= 1 && !tried.ContainsKey(n)).Distinct().ToArray();
            var figures = await Task.WhenAll(fresh.Select(n => simulate(options, n)));
            for (var i = 0; i < fresh.Length; i++)
            {
                tried[fresh[i]] = figures[i];
            }
        }

        bool MeetsAt(int n) => Meets(tried[n], options);

        var agents = Math.Max(1, formula);
        await TryAsync(agents, agents - 1);
        if (MeetsAt(agents))
        {
            while (agents > 1)
            {
                if (!tried.ContainsKey(agents - 1))
                {
                    await TryAsync(agents - 1, agents - 2);
                }

                if (!MeetsAt(agents - 1))
                {
                    break;
                }

                agents--;
            }
        }
        else
        {
            var limit = Math.Max(agents * 4, agents + 20);
            while (!MeetsAt(agents))
            {
                if (agents >= limit)
                {
                    throw new InvalidOperationException($"No staffing up to {limit} agents met the target; check the target and the model");
                }

                if (!tried.ContainsKey(agents + 1))
                {
                    await TryAsync(agents + 1, agents + 2);
                }

                agents++;
            }
        }

        return new StaffingAnswer(agents, formula, tried[agents], [.. tried.OrderBy(t => t.Key).Select(t => t.Value)]);
    }

    public static bool Meets(PlanFigures figures, PlanOptions options) =>
        (options.TargetServiceLevel is not { } target || figures.ServiceLevel.Value >= target)
        && (options.MaxAbandoned is not { } max || figures.AbandonedShare.Value <= max);

    /// <summary>The Erlang C (no patience) or Erlang A answer, each agent counted as its dialogs' worth of servers.</summary>
    public static int FormulaAgents(PlanOptions options)
    {
        var workload = new Workload(options.TasksPerHour, options.HandleSeconds, options.PatienceSeconds);
        var servers = Staffing.SmallestAgents(workload, options.TargetServiceLevel ?? 0, options.ThresholdSeconds, options.MaxAbandoned);
        return (int)Math.Ceiling(servers / (double)options.DialogsPerAgent);
    }
}
