namespace MrdSimulator.Domain.Planning;

/// <summary>
/// The M/M/N queue with infinite patience (Erlang C): Poisson arrivals, exponential handle times, N agents,
/// first come first served, nobody abandons.
/// </summary>
/// <remarks>
/// Erlang B comes from the recurrence B₀ = 1, B_k = A·B_{k−1} / (k + A·B_{k−1}), whose terms stay in [0, 1], so
/// hundreds of agents neither overflow A^N/N! nor lose the sum to cancellation. Then
/// C = N·B / (N − A(1 − B)), the mean wait C/(Nμ − λ) and the service level 1 − C·e^{−(Nμ − λ)t}
/// (Gross &amp; Harris, <i>Fundamentals of Queueing Theory</i>, the M/M/c queue).
/// </remarks>
public static class ErlangC
{
    /// <summary>Erlang B: the probability a Poisson arrival is blocked on <paramref name="agents"/> lines with no queue.</summary>
    /// <param name="agents">Lines N (≥ 0; zero lines block everything).</param>
    /// <param name="offeredErlangs">Offered load A (≥ 0), erlangs.</param>
    public static double ErlangB(int agents, double offeredErlangs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        if (!(offeredErlangs >= 0) || double.IsInfinity(offeredErlangs))
        {
            throw new ArgumentOutOfRangeException(nameof(offeredErlangs), offeredErlangs, "Offered load must be zero or positive and finite.");
        }

        var b = 1.0;
        for (var k = 1; k <= agents; k++)
        {
            var ab = offeredErlangs * b;
            b = ab / (k + ab);
        }

        return b;
    }

    /// <summary>
    /// Erlang C: the probability an arrival waits at all. 1 when <paramref name="offeredErlangs"/> ≥
    /// <paramref name="agents"/>, where every arrival eventually queues because the queue never empties.
    /// </summary>
    public static double ProbabilityOfWait(int agents, double offeredErlangs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(agents, 1);
        if (offeredErlangs >= agents)
        {
            return 1.0;
        }

        var b = ErlangB(agents, offeredErlangs);
        return agents * b / (agents - offeredErlangs * (1 - b));
    }

    /// <summary>
    /// The figures of <paramref name="model"/> as an M/M/N queue. Its patience, if any, is ignored: this is the
    /// infinite-patience answer, which <see cref="Queueing.Evaluate"/> picks only when patience is null.
    /// With offered load ≥ agents there is no steady state; the result then has <see cref="QueueFigures.Stable"/>
    /// false and the limits the queue tends to instead of throwing, so a staffing sweep can pass through it.
    /// </summary>
    public static QueueFigures Evaluate(QueueModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        var n = model.Agents;
        var a = model.Workload.OfferedErlangs;
        var handle = model.Workload.HandleSeconds;
        if (a >= n)
        {
            return new QueueFigures(false, a, 1.0, double.PositiveInfinity, double.PositiveInfinity, 0.0, 0.0, 1.0);
        }

        var c = ProbabilityOfWait(n, a);

        // Nμ − λ = (N − A)/handle: the rate at which a waiting task's wait drains, given it waits.
        var drain = (n - a) / handle;
        var meanWait = c / drain;
        var serviceLevel = 1 - c * Math.Exp(-drain * model.ThresholdSeconds);
        return new QueueFigures(true, a, c, meanWait, meanWait, serviceLevel, 0.0, a / n);
    }
}
