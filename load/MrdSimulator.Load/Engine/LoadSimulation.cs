using System.Globalization;
using System.Text.RegularExpressions;

namespace MrdSimulator.Load.Engine;

/// <summary>
/// One segment of a load timeline. Closed segments keep a number of looping virtual users; open segments
/// inject arrivals at a rate that does not depend on how fast responses come back.
/// </summary>
public abstract record LoadSimulation(TimeSpan During)
{
    public abstract bool IsOpen { get; }

    public abstract bool IsClosed { get; }

    public abstract string Describe();
}

/// <summary>Closed: keep <paramref name="Copies"/> virtual users looping for <paramref name="During"/>.</summary>
public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => false;

    public override bool IsClosed => true;

    public override string Describe() => $"keep-constant {Copies} {Durations.Format(During)}";
}

/// <summary>Closed: ramp linearly from the previous number of users to <paramref name="Copies"/>.</summary>
public sealed record RampingConstant(int Copies, TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => false;

    public override bool IsClosed => true;

    public override string Describe() => $"ramp-constant {Copies} {Durations.Format(During)}";
}

/// <summary>Open: <paramref name="Rate"/> arrivals per <paramref name="Interval"/>, spread over the interval.</summary>
public sealed record Inject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => true;

    public override bool IsClosed => false;

    public double PerSecond => Rate / Interval.TotalSeconds;

    public override string Describe() => $"inject {Num(Rate)}/{Durations.Format(Interval)} {Durations.Format(During)}";

    internal static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>Open: ramp linearly from the previous rate to <paramref name="Rate"/> per <paramref name="Interval"/>.</summary>
public sealed record RampingInject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => true;

    public override bool IsClosed => false;

    public double PerSecond => Rate / Interval.TotalSeconds;

    public override string Describe() => $"ramp-inject {Inject.Num(Rate)}/{Durations.Format(Interval)} {Durations.Format(During)}";
}

/// <summary>Open: each interval draws a rate uniformly from [min, max].</summary>
public sealed record InjectRandom(double MinRate, double MaxRate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => true;

    public override bool IsClosed => false;

    public override string Describe() =>
        $"inject-random {Inject.Num(MinRate)}..{Inject.Num(MaxRate)}/{Durations.Format(Interval)} {Durations.Format(During)}";
}

/// <summary>No load for <paramref name="During"/>; mixes with both families.</summary>
public sealed record Pause(TimeSpan During) : LoadSimulation(During)
{
    public override bool IsOpen => false;

    public override bool IsClosed => false;

    public override string Describe() => $"pause {Durations.Format(During)}";
}

/// <summary>
/// Text form of load simulations (used by the CLI and scenario files):
/// <c>keep-constant 50 30s</c>, <c>ramp-constant 50 10s</c>, <c>inject 100/s 30s</c>, <c>inject 5/100ms 30s</c>,
/// <c>ramp-inject 200/s 10s</c>, <c>inject-random 50..150/s 30s</c>, <c>pause 5s</c>.
/// </summary>
public static partial class LoadSimulationParser
{
    public const double MaxRatePerSecond = 1_000_000;
    public const int MaxCopies = 100_000;

    [GeneratedRegex(@"^(?<n1>\d+(?:\.\d+)?)(?:\.\.(?<n2>\d+(?:\.\d+)?))?/(?<iv>\d*(?:\.\d+)?(?:us|µs|ms|s|m|h))$", RegexOptions.CultureInvariant)]
    private static partial Regex RatePattern();

    public static LoadSimulation Parse(string text)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("empty load simulation");
        }

        var kind = parts[0].ToLowerInvariant();
        LoadSimulation result = kind switch
        {
            "keep-constant" => new KeepConstant(Copies(parts, text), During(parts, 2, text)),
            "ramp-constant" => new RampingConstant(Copies(parts, text), During(parts, 2, text)),
            "inject" => Rate(parts, text, (n1, n2, iv, d) => n2 is null
                ? new Inject(n1, iv, d)
                : throw new FormatException($"'{text}': a range of rates needs inject-random")),
            "ramp-inject" => Rate(parts, text, (n1, n2, iv, d) => n2 is null
                ? new RampingInject(n1, iv, d)
                : throw new FormatException($"'{text}': ramp-inject takes one rate")),
            "inject-random" => Rate(parts, text, (n1, n2, iv, d) => n2 is { } max
                ? new InjectRandom(n1, max, iv, d)
                : throw new FormatException($"'{text}': inject-random needs a range such as 50..150/s")),
            "pause" => parts.Length == 2
                ? new Pause(During(parts, 1, text))
                : throw new FormatException($"'{text}': expected 'pause <duration>'"),
            _ => throw new FormatException(
                $"'{parts[0]}' is not a load simulation (keep-constant, ramp-constant, inject, ramp-inject, inject-random, pause)"),
        };
        Validate(result);
        return result;
    }

    public static IReadOnlyList<LoadSimulation> ParseList(string text) =>
        text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    /// <summary>Checks one segment: throws <see cref="FormatException"/> with the reason when it is impossible.</summary>
    public static void Validate(LoadSimulation sim)
    {
        if (sim.During <= TimeSpan.Zero)
        {
            throw new FormatException($"'{sim.Describe()}': duration must be positive");
        }

        switch (sim)
        {
            case KeepConstant { Copies: < 0 or > MaxCopies } k:
                throw new FormatException($"'{k.Describe()}': copies must be between 0 and {MaxCopies}");
            case RampingConstant { Copies: < 0 or > MaxCopies } r:
                throw new FormatException($"'{r.Describe()}': copies must be between 0 and {MaxCopies}");
            case Inject i:
                CheckRate(i.Describe(), i.Rate, i.Interval, i.During);
                break;
            case RampingInject r:
                CheckRate(r.Describe(), r.Rate, r.Interval, r.During);
                break;
            case InjectRandom ir:
                CheckRate(ir.Describe(), ir.MinRate, ir.Interval, ir.During);
                CheckRate(ir.Describe(), ir.MaxRate, ir.Interval, ir.During);
                if (ir.MinRate >= ir.MaxRate)
                {
                    throw new FormatException($"'{ir.Describe()}': the minimum rate must be below the maximum");
                }

                break;
        }
    }

    /// <summary>Checks a whole timeline: closed and open segments cannot be mixed (pause mixes with both).</summary>
    public static void ValidateTimeline(IReadOnlyList<LoadSimulation> sims)
    {
        if (sims.Count == 0)
        {
            throw new FormatException("no load simulation given");
        }

        if (sims.Any(s => s.IsOpen) && sims.Any(s => s.IsClosed))
        {
            throw new FormatException(
                "closed (keep-constant, ramp-constant) and open (inject, ramp-inject, inject-random) simulations cannot be mixed in one timeline");
        }

        foreach (var sim in sims)
        {
            Validate(sim);
        }
    }

    private static void CheckRate(string text, double rate, TimeSpan interval, TimeSpan during)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new FormatException($"'{text}': the interval must be positive");
        }

        if (interval > during)
        {
            throw new FormatException($"'{text}': the interval must not be longer than the duration");
        }

        if (rate < 0 || double.IsNaN(rate) || double.IsInfinity(rate))
        {
            throw new FormatException($"'{text}': the rate must not be negative");
        }

        var perSecond = rate / interval.TotalSeconds;
        if (perSecond > MaxRatePerSecond)
        {
            throw new FormatException(
                $"'{text}': {perSecond.ToString("0", CultureInfo.InvariantCulture)} arrivals per second is impossible for one generator (limit {MaxRatePerSecond:0})");
        }
    }

    private static int Copies(string[] parts, string text)
    {
        if (parts.Length != 3)
        {
            throw new FormatException($"'{text}': expected '{parts[0]} <copies> <duration>'");
        }

        return int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var copies)
            ? copies
            : throw new FormatException($"'{text}': '{parts[1]}' is not a whole number of virtual users");
    }

    private static TimeSpan During(string[] parts, int index, string text) =>
        index < parts.Length && Durations.TryParse(parts[index], out var d)
            ? d
            : throw new FormatException($"'{text}': missing or invalid duration (examples: 30s, 1m)");

    private static LoadSimulation Rate(string[] parts, string text, Func<double, double?, TimeSpan, TimeSpan, LoadSimulation> make)
    {
        if (parts.Length != 3)
        {
            throw new FormatException($"'{text}': expected '{parts[0]} <rate>/<interval> <duration>', e.g. '{parts[0]} 100/s 30s'");
        }

        if (parts[1].StartsWith('-'))
        {
            throw new FormatException($"'{text}': the rate must not be negative");
        }

        var m = RatePattern().Match(parts[1]);
        if (!m.Success)
        {
            throw new FormatException($"'{text}': '{parts[1]}' is not a rate (examples: 100/s, 5/100ms, 50..150/s)");
        }

        var iv = m.Groups["iv"].Value;
        var interval = Durations.Parse(char.IsDigit(iv[0]) || iv[0] == '.' ? iv : "1" + iv);
        var n1 = double.Parse(m.Groups["n1"].Value, CultureInfo.InvariantCulture);
        double? n2 = m.Groups["n2"].Success ? double.Parse(m.Groups["n2"].Value, CultureInfo.InvariantCulture) : null;
        return make(n1, n2, interval, During(parts, 2, text));
    }
}
