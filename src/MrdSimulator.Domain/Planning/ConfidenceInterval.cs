namespace MrdSimulator.Domain.Planning;

/// <summary>
/// A point estimate and the half-width of its confidence interval, with how the observations were batched.
/// </summary>
/// <param name="Mean">The point estimate, in the observations' unit.</param>
/// <param name="HalfWidth">Half the interval's width, same unit; NaN when the estimate is undefined.</param>
/// <param name="Batches">Batches k the interval was built from (degrees of freedom k − 1).</param>
/// <param name="BatchSize">Observations per batch.</param>
/// <param name="Dropped">Earliest observations left out so the batches are equal (count mod k).</param>
/// <param name="Confidence">The interval's nominal coverage, e.g. 0.95.</param>
public sealed record ConfidenceInterval(double Mean, double HalfWidth, int Batches, int BatchSize, int Dropped, double Confidence)
{
    /// <summary>Lower end of the interval.</summary>
    public double Lower => Mean - HalfWidth;

    /// <summary>Upper end of the interval.</summary>
    public double Upper => Mean + HalfWidth;

    /// <summary>Whether <paramref name="value"/> lies within the interval (ends included).</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}
