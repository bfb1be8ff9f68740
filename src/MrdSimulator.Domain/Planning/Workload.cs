namespace MrdSimulator.Domain.Planning;

/// <summary>
/// The demand on one queue, without the staffing: what staffing searches vary the agents against.
/// </summary>
/// <param name="ArrivalsPerHour">Poisson arrival rate λ, tasks per hour (&gt; 0).</param>
/// <param name="HandleSeconds">Mean handle time 1/μ of an exponential service, seconds (&gt; 0).</param>
/// <param name="PatienceSeconds">Mean of an exponential patience 1/θ, seconds (&gt; 0); <c>null</c> means nobody
/// abandons, which selects Erlang C instead of Erlang A.</param>
public sealed record Workload(double ArrivalsPerHour, double HandleSeconds, double? PatienceSeconds = null)
{
    /// <summary>Offered load A = λ/μ in erlangs: the mean number of agents the work would keep busy.</summary>
    public double OfferedErlangs => ArrivalsPerHour * HandleSeconds / 3600.0;

    /// <summary>Throws when a figure is outside its domain, so the formulas never see a NaN or a negative rate.</summary>
    internal void Validate()
    {
        if (!(ArrivalsPerHour > 0) || double.IsInfinity(ArrivalsPerHour))
        {
            throw new ArgumentOutOfRangeException(nameof(ArrivalsPerHour), ArrivalsPerHour, "Arrivals per hour must be positive and finite.");
        }

        if (!(HandleSeconds > 0) || double.IsInfinity(HandleSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(HandleSeconds), HandleSeconds, "Mean handle seconds must be positive and finite.");
        }

        if (PatienceSeconds is { } patience && (!(patience > 0) || double.IsInfinity(patience)))
        {
            throw new ArgumentOutOfRangeException(nameof(PatienceSeconds), patience, "Mean patience seconds must be positive and finite (null for infinite patience).");
        }
    }
}
