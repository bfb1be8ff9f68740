namespace MrdSimulator.Domain.Planning;

/// <summary>
/// Confidence intervals for the output of one long simulation run, whose observations (waits, 0/1 "answered in
/// time" flags…) are correlated in arrival order: a naive i.i.d. interval would be far too narrow.
/// </summary>
/// <remarks>
/// Non-overlapping batch means (Law, <i>Simulation Modeling and Analysis</i>, "batch means"; Schmeiser 1982):
/// split the run into k equal consecutive batches; if batches are long against the correlation time their means
/// are nearly independent and nearly normal, so mean ± t_{k−1, (1+c)/2} · s_batch/√k. When the count is not a
/// multiple of k the remainder is dropped from the <b>start</b>, where an empty-start transient lives. A dozen to
/// a few dozen batches is the usual compromise between the t multiplier and batch length; the default is 20.
/// </remarks>
public static class BatchMeans
{
    /// <summary>The default number of batches.</summary>
    public const int DefaultBatches = 20;

    /// <summary>The default confidence.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>
    /// The mean of <paramref name="observations"/> (after dropping count mod k from the start) and its batch-means
    /// confidence half-width. For a proportion pass 0/1 values.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer observations than batches, fewer than 2 batches, a confidence
    /// outside (0, 1), or a value that is NaN or infinite.</exception>
    public static ConfidenceInterval Mean(IReadOnlyList<double> observations, int batches = DefaultBatches, double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(observations);
        var (size, dropped) = Layout(observations.Count, batches, confidence);
        var means = new double[batches];
        for (var b = 0; b < batches; b++)
        {
            var sum = 0.0;
            for (var i = dropped + b * size; i < dropped + (b + 1) * size; i++)
            {
                sum += Finite(observations[i], nameof(observations));
            }

            means[b] = sum / size;
        }

        var mean = means.Average();
        var squares = means.Sum(m => (m - mean) * (m - mean));
        var halfWidth = TwoSidedT(confidence, batches - 1) * Math.Sqrt(squares / (batches - 1) / batches);
        return new ConfidenceInterval(mean, halfWidth, batches, size, dropped, confidence);
    }

    /// <summary>
    /// ΣY/ΣX with a batch-means half-width: e.g. mean wait of answered tasks with Y = wait if answered else 0 and
    /// X = 1 if answered else 0, where the denominator is itself random so <see cref="Mean"/> of per-answer values
    /// would be wrongly weighted by batch.
    /// </summary>
    /// <remarks>
    /// The classical (delta-method) ratio estimator over batches: with batch means Ȳ_b, X̄_b and R = ΣY/ΣX, the
    /// residuals d_b = Ȳ_b − R·X̄_b have mean zero and half-width t_{k−1} · s_d / (√k · X̄). With every X = 1 it is
    /// exactly <see cref="Mean"/>. NaN mean and half-width when ΣX = 0 (nothing to average over).
    /// </remarks>
    public static ConfidenceInterval Ratio(IReadOnlyList<double> numerators, IReadOnlyList<double> denominators, int batches = DefaultBatches, double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(numerators);
        ArgumentNullException.ThrowIfNull(denominators);
        if (numerators.Count != denominators.Count)
        {
            throw new ArgumentException($"{numerators.Count} numerators but {denominators.Count} denominators.", nameof(denominators));
        }

        var (size, dropped) = Layout(numerators.Count, batches, confidence);
        var ys = new double[batches];
        var xs = new double[batches];
        for (var b = 0; b < batches; b++)
        {
            for (var i = dropped + b * size; i < dropped + (b + 1) * size; i++)
            {
                ys[b] += Finite(numerators[i], nameof(numerators));
                xs[b] += Finite(denominators[i], nameof(denominators));
            }

            ys[b] /= size;
            xs[b] /= size;
        }

        var x = xs.Average();
        if (x == 0)
        {
            return new ConfidenceInterval(double.NaN, double.NaN, batches, size, dropped, confidence);
        }

        var ratio = ys.Average() / x;
        var squares = 0.0;
        for (var b = 0; b < batches; b++)
        {
            var d = ys[b] - ratio * xs[b];
            squares += d * d;
        }

        var halfWidth = TwoSidedT(confidence, batches - 1) * Math.Sqrt(squares / (batches - 1) / batches) / Math.Abs(x);
        return new ConfidenceInterval(ratio, halfWidth, batches, size, dropped, confidence);
    }

    /// <summary>
    /// The textbook interval for independent observations (e.g. one figure from each of several independent
    /// replications): batch means with every observation its own batch, t with n − 1 degrees of freedom.
    /// </summary>
    public static ConfidenceInterval Independent(IReadOnlyList<double> observations, double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(observations);
        return Mean(observations, observations.Count, confidence);
    }

    private static (int Size, int Dropped) Layout(int count, int batches, double confidence)
    {
        if (batches < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(batches), batches, "At least two batches are needed to estimate a variance.");
        }

        if (count < batches)
        {
            throw new ArgumentException($"{count} observations cannot fill {batches} batches.", nameof(batches));
        }

        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence must be in (0, 1).");
        }

        var size = count / batches;
        return (size, count - size * batches);
    }

    private static double Finite(double value, string name) =>
        double.IsFinite(value) ? value : throw new ArgumentException($"An observation is {value}.", name);

    /// <summary>The t multiplier of a two-sided interval at <paramref name="confidence"/> (Math.NET's Student t quantile).</summary>
    private static double TwoSidedT(double confidence, int degreesOfFreedom) =>
        MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, degreesOfFreedom, (1 + confidence) / 2);
}
