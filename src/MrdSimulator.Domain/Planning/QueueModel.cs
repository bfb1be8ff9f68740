namespace MrdSimulator.Domain.Planning;

/// <summary>
/// One staffed queue to evaluate: a workload, the agents answering it, and the service-level threshold.
/// </summary>
/// <param name="Workload">Arrivals, handle time and (optional) patience.</param>
/// <param name="Agents">Agents N, each handling one task at a time (≥ 1).</param>
/// <param name="ThresholdSeconds">Service-level threshold t, seconds (≥ 0): "answered within t".</param>
public sealed record QueueModel(Workload Workload, int Agents, double ThresholdSeconds)
{
    /// <summary>Throws when a figure is outside its domain.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Workload);
        Workload.Validate();
        if (Agents < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Agents), Agents, "At least one agent is needed.");
        }

        if (!(ThresholdSeconds >= 0) || double.IsInfinity(ThresholdSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(ThresholdSeconds), ThresholdSeconds, "The service-level threshold must be zero or positive and finite.");
        }
    }
}
