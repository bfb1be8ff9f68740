namespace MrdSimulator.Domain.Planning;

/// <summary>
/// Steady-state figures of one queue. Probabilities are fractions of all arrivals (0..1) unless a name says
/// otherwise; times are seconds.
/// </summary>
/// <param name="Stable">False only for Erlang C with offered load ≥ agents: the queue then grows without bound, and
/// the figures are the limits it tends to (P(wait) 1, waits +∞, service level 0, occupancy 1) rather than a
/// steady state. Erlang A is always stable because waiting tasks abandon.</param>
/// <param name="OfferedErlangs">Offered load A = λ × handle, erlangs.</param>
/// <param name="PWait">Probability an arrival finds every agent busy and has to wait at all.</param>
/// <param name="MeanWaitSeconds">Mean time in queue over all arrivals, counting zero for those answered at once and,
/// with abandonment, the time an abandoning task waited before leaving.</param>
/// <param name="MeanWaitOfAnsweredSeconds">Mean time in queue of the arrivals that are answered (ASA), seconds.</param>
/// <param name="ServiceLevel">Probability an arrival is answered within the threshold; abandonments count as misses.</param>
/// <param name="Abandoned">Probability an arrival abandons before being answered (0 for Erlang C).</param>
/// <param name="Occupancy">Mean busy agents ÷ agents: λ × (1 − Abandoned) × handle ÷ N (0..1).</param>
public sealed record QueueFigures(
    bool Stable,
    double OfferedErlangs,
    double PWait,
    double MeanWaitSeconds,
    double MeanWaitOfAnsweredSeconds,
    double ServiceLevel,
    double Abandoned,
    double Occupancy);
