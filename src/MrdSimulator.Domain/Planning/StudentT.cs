namespace MrdSimulator.Domain.Planning;

/// <summary>
/// Quantiles of Student's t distribution with integer degrees of freedom, which confidence intervals from a
/// handful of batches need: with 20 batches the 97.5 % point is 2.093, not the normal 1.960.
/// </summary>
/// <remarks>
/// Up to <see cref="SeriesLimit"/> degrees of freedom the two-sided mass P(|T| ≤ t) is the finite trigonometric
/// series of Abramowitz &amp; Stegun 26.7.3–26.7.4 (exact but for rounding, O(ν) terms), inverted by bisection.
/// Beyond it, the Cornish–Fisher expansion of A&amp;S 26.7.5 about the normal quantile, whose fifth term is below
/// 1e−15 there; the normal quantile inverts the everywhere-convergent positive series of A&amp;S 26.2.10.
/// </remarks>
public static class StudentT
{
    /// <summary>Degrees of freedom up to which the exact series is used.</summary>
    public const int SeriesLimit = 1000;

    /// <summary>The p-quantile of t with <paramref name="degreesOfFreedom"/> degrees of freedom: P(T ≤ q) = p.</summary>
    /// <param name="p">Probability in (0, 1).</param>
    /// <param name="degreesOfFreedom">ν ≥ 1.</param>
    public static double Quantile(double p, int degreesOfFreedom)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The probability must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        return degreesOfFreedom <= SeriesLimit ? QuantileBySeries(p, degreesOfFreedom) : QuantileByExpansion(p, degreesOfFreedom);
    }

    /// <summary>The multiplier of a two-sided interval of the given confidence (0.95 → the 97.5 % point).</summary>
    public static double TwoSided(double confidence, int degreesOfFreedom)
    {
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence must be in (0, 1).");
        }

        return Quantile(0.5 + confidence / 2, degreesOfFreedom);
    }

    /// <summary>The quantile from inverting the exact series; any ν, but O(ν) per step.</summary>
    internal static double QuantileBySeries(double p, int degreesOfFreedom) =>
        Symmetric(p, mass => Invert(x => TwoSidedMass(x, degreesOfFreedom), mass));

    /// <summary>The quantile from the Cornish–Fisher expansion; accurate only for large ν.</summary>
    internal static double QuantileByExpansion(double p, int degreesOfFreedom)
    {
        var x = NormalQuantile(p);
        var x2 = x * x;
        var v = (double)degreesOfFreedom;
        var g1 = (x2 + 1) * x / 4;
        var g2 = ((5 * x2 + 16) * x2 + 3) * x / 96;
        var g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384;
        var g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160;
        return x + (g1 + (g2 + (g3 + g4 / v) / v) / v) / v;
    }

    /// <summary>The standard normal p-quantile.</summary>
    internal static double NormalQuantile(double p) => Symmetric(p, mass => Invert(NormalTwoSidedMass, mass));

    /// <summary>P(|T| ≤ t), t ≥ 0, by A&amp;S 26.7.3 (ν odd) and 26.7.4 (ν even), θ = atan(t/√ν).</summary>
    internal static double TwoSidedMass(double t, int degreesOfFreedom)
    {
        var v = (double)degreesOfFreedom;
        var hyp = Math.Sqrt(v + t * t);
        var sin = t / hyp;
        var cos = Math.Sqrt(v) / hyp;
        var cos2 = cos * cos;
        if (degreesOfFreedom % 2 == 0)
        {
            // sinθ [1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^{ν−2}θ]
            var term = 1.0;
            var sum = 1.0;
            for (var m = 0; m + 2 <= degreesOfFreedom - 2; m += 2)
            {
                term *= cos2 * (m + 1) / (m + 2);
                sum += term;
            }

            return sin * sum;
        }

        // (2/π)[θ + sinθ (cosθ + ⅔cos³θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^{ν−2}θ)], the bracketed sum empty for ν = 1.
        var angle = Math.Atan2(t, Math.Sqrt(v));
        var odd = 0.0;
        if (degreesOfFreedom > 1)
        {
            var term = cos;
            odd = term;
            for (var m = 1; m + 2 <= degreesOfFreedom - 2; m += 2)
            {
                term *= cos2 * (m + 1) / (m + 2);
                odd += term;
            }
        }

        return 2 / Math.PI * (angle + sin * odd);
    }

    /// <summary>P(|Z| ≤ x), x ≥ 0: 2φ(x) Σ x^{2n+1}/(1·3⋯(2n+1)) (A&amp;S 26.2.10), all terms positive.</summary>
    internal static double NormalTwoSidedMass(double x)
    {
        if (x >= 10)
        {
            return 1.0; // 1 − P(|Z| ≤ 10) ≈ 1.5e−23: below double resolution, and the series' terms would overflow later.
        }

        var term = x;
        var sum = x;
        for (var n = 1; term > 1e-17 * sum; n++)
        {
            term *= x * x / (2 * n + 1);
            sum += term;
        }

        return 2 * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI) * sum;
    }

    private static double Symmetric(double p, Func<double, double> positiveQuantileOfMass)
    {
        if (p == 0.5)
        {
            return 0.0;
        }

        var q = positiveQuantileOfMass(Math.Abs(2 * p - 1));
        return p > 0.5 ? q : -q;
    }

    /// <summary>The x ≥ 0 where an increasing mass function reaches <paramref name="mass"/>, by bisection.</summary>
    private static double Invert(Func<double, double> massAt, double mass)
    {
        var lo = 0.0;
        var hi = 1.0;
        while (massAt(hi) < mass)
        {
            lo = hi;
            hi *= 2;
            if (double.IsInfinity(hi))
            {
                return double.PositiveInfinity;
            }
        }

        for (var i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            var mid = (lo + hi) / 2;
            if (massAt(mid) < mass)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }
}
