namespace MrdSimulator.Domain.Planning;

/// <summary>How many agents a workload needs for a service-level target.</summary>
public static class Staffing
{
    /// <summary>The largest staffing searched; beyond it the target is taken to be unreachable.</summary>
    public const int MaxAgents = 1_000_000;

    /// <summary>
    /// The smallest number of agents whose service level within <paramref name="thresholdSeconds"/> is at least
    /// <paramref name="targetServiceLevel"/> and, when <paramref name="maxAbandoned"/> is given, whose abandonment
    /// probability is at most it. Erlang C when the workload has no patience (only stable staffings, N &gt; A,
    /// qualify), Erlang A otherwise.
    /// </summary>
    /// <remarks>
    /// Service level rises and abandonment falls as agents are added, so the search doubles a step from the least
    /// candidate until the targets are met and then bisects: O(log N) evaluations, not N, which matters for Erlang A
    /// on large queues.
    /// </remarks>
    /// <param name="workload">Arrivals, handle time, optional patience.</param>
    /// <param name="targetServiceLevel">Fraction of all arrivals to answer within the threshold, in [0, 1).</param>
    /// <param name="thresholdSeconds">The service-level threshold, seconds (≥ 0).</param>
    /// <param name="maxAbandoned">Optional cap on the abandonment probability, in (0, 1].</param>
    public static int SmallestAgents(Workload workload, double targetServiceLevel, double thresholdSeconds, double? maxAbandoned = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        workload.Validate();
        if (!(targetServiceLevel >= 0 && targetServiceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetServiceLevel), targetServiceLevel, "The target service level must be in [0, 1): no finite staffing answers every arrival within a threshold.");
        }

        if (maxAbandoned is { } cap && !(cap > 0 && cap <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxAbandoned), cap, "The abandonment cap must be in (0, 1].");
        }

        bool Meets(int agents)
        {
            var figures = Queueing.Evaluate(new QueueModel(workload, agents, thresholdSeconds));
            return figures.Stable
                && figures.ServiceLevel >= targetServiceLevel
                && (maxAbandoned is null || figures.Abandoned <= maxAbandoned.Value);
        }

        var offered = workload.OfferedErlangs;
        var least = workload.PatienceSeconds is null ? (int)Math.Min(Math.Floor(offered) + 1, MaxAgents) : 1;
        if (Meets(least))
        {
            return least;
        }

        // Invariant: `fails` does not meet the targets, `meets` does.
        var fails = least;
        var step = 1;
        var meets = least + step;
        while (!Meets(meets))
        {
            if (meets >= MaxAgents)
            {
                throw new ArgumentOutOfRangeException(nameof(targetServiceLevel), targetServiceLevel, $"No staffing up to {MaxAgents} agents meets the targets.");
            }

            fails = meets;
            step *= 2;
            meets = (int)Math.Min((long)fails + step, MaxAgents);
        }

        while (meets - fails > 1)
        {
            var mid = fails + (meets - fails) / 2;
            if (Meets(mid))
            {
                meets = mid;
            }
            else
            {
                fails = mid;
            }
        }

        return meets;
    }
}
