using System.Globalization;
using Orleans;

namespace MrdSimulator.Domain.Chaos;

public enum LatencyShape
{
    Fixed,
    Uniform,
    Normal,
    Exponential,
}

/// <summary>
/// A delay: fixed, uniform between two bounds, normal (clamped at zero) or exponential. Sampled from
/// uniform draws in [0,1) supplied by the caller, so the same draws give the same delay.
/// </summary>
[GenerateSerializer, Immutable, Alias("Latency")]
public sealed record Latency([property: Id(0)] LatencyShape Shape, [property: Id(1)] TimeSpan A, [property: Id(2)] TimeSpan B = default)
{
    public static Latency Fixed(TimeSpan value) => new(LatencyShape.Fixed, value);

    /// <param name="u1">First draw in [0,1).</param>
    /// <param name="u2">Second draw in [0,1); used by the normal shape only.</param>
    public TimeSpan Sample(double u1, double u2)
    {
        var ticks = Shape switch
        {
            LatencyShape.Fixed => A.Ticks,
            LatencyShape.Uniform => A.Ticks + (long)((B.Ticks - A.Ticks) * u1),
            // Box–Muller; 1 - u keeps the logarithm's argument in (0,1].
            LatencyShape.Normal => (long)(A.Ticks + (B.Ticks * Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2))),
            LatencyShape.Exponential => (long)(-A.Ticks * Math.Log(1 - u1)),
            _ => throw new InvalidOperationException(),
        };
        return TimeSpan.FromTicks(Math.Clamp(ticks, 0, MaxDelay.Ticks));
    }

    /// <summary>No sampled delay exceeds this, whatever the distribution's tail.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(10);

    public override string ToString() => Shape switch
    {
        LatencyShape.Fixed => Durations.Format(A),
        LatencyShape.Uniform => $"uniform {Durations.Format(A)}..{Durations.Format(B)}",
        LatencyShape.Normal => $"normal mean {Durations.Format(A)} stddev {Durations.Format(B)}",
        LatencyShape.Exponential => $"exponential mean {Durations.Format(A)}",
        _ => Shape.ToString(),
    };
}

/// <summary>Durations as written in plans: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h30m</c>, <c>1.5s</c>.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        var total = 0.0;
        while (!span.IsEmpty)
        {
            var i = 0;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !double.TryParse(span[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[i..];
            double unitMs;
            if (span.StartsWith("ms"))
            {
                unitMs = 1;
                span = span[2..];
            }
            else if (span.StartsWith("s"))
            {
                unitMs = 1000;
                span = span[1..];
            }
            else if (span.StartsWith("m"))
            {
                unitMs = 60_000;
                span = span[1..];
            }
            else if (span.StartsWith("h"))
            {
                unitMs = 3_600_000;
                span = span[1..];
            }
            else
            {
                return false;
            }

            total += number * unitMs;
        }

        if (total > TimeSpan.FromDays(7).TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000 || value.Milliseconds != 0
            ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
            : $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}
