using System.Globalization;

namespace MrdSimulator.Gateway.Observability.Metrics;

/// <summary>Invariant text for tag values and sample values.</summary>
public static class MetricText
{
    public static string Format(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        double d => Format(d),
        float f => Format((double)f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A sample value as Prometheus (Go's ParseFloat) reads it.</summary>
    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => Plain(value),
    };

    /// <summary>Shortest round-trip text, without an exponent where a plain decimal is as exact (0.00005, not 5E-05).</summary>
    private static string Plain(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal) && Math.Abs(value) is > 1e-12 and < 1e15)
        {
            var plain = ((decimal)value).ToString(CultureInfo.InvariantCulture);
            if (double.Parse(plain, CultureInfo.InvariantCulture) == value)
            {
                return plain;
            }
        }

        return text;
    }
}
