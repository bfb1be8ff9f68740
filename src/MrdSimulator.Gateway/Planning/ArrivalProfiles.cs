using System.Collections.Immutable;
using System.Globalization;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.GrainInterfaces.Simulation;

namespace MrdSimulator.Gateway.Planning;

/// <summary>
/// Reads an arrival profile: CSV lines <c>start,tasks per hour</c>, the start as <c>HH:MM</c> (or seconds from the
/// run's start), in equal steps from the first. A header line, blank lines and <c># comments</c> are skipped.
/// </summary>
public static class ArrivalProfiles
{
    public const int MaxSlots = 10_000;

    /// <exception cref="OptionsException">A line is not <c>start,rate</c>, or the starts are not equal steps.</exception>
    public static ArrivalProfile Parse(string file, string text)
    {
        var starts = new List<double>();
        var rates = ImmutableArray.CreateBuilder<double>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != 2)
            {
                throw Error(file, lineNumber, $"'{line}' is not 'start,tasks per hour'");
            }

            if (Start(fields[0]) is not { } start)
            {
                if (starts.Count == 0 && rates.Count == 0)
                {
                    continue; // a header
                }

                throw Error(file, lineNumber, $"'{fields[0]}' is not a start time (HH:MM, or seconds)");
            }

            if (!double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !double.IsFinite(rate) || rate < 0 || rate > 10_000_000)
            {
                throw Error(file, lineNumber, $"'{fields[1]}' is not a rate in tasks per hour (0..10000000)");
            }

            if (starts.Count > 0 && start <= starts[^1])
            {
                throw Error(file, lineNumber, $"starts must increase ('{fields[0]}' after {Format(starts[^1])})");
            }

            if (starts.Count > 1 && Math.Abs(start - starts[^1] - (starts[1] - starts[0])) > 1e-6)
            {
                throw Error(file, lineNumber, $"intervals must be equal: {Format(starts[^1])} to {fields[0]} differs from the first step of {starts[1] - starts[0]:0.###} s");
            }

            if (starts.Count >= MaxSlots)
            {
                throw Error(file, lineNumber, $"more than {MaxSlots} intervals");
            }

            starts.Add(start);
            rates.Add(rate);
        }

        if (rates.Count < 2)
        {
            throw new OptionsException("--profile", $"{file}: needs at least two intervals (their step gives the interval length)");
        }

        if (rates.All(r => r == 0))
        {
            throw new OptionsException("--profile", $"{file}: every rate is 0, so no task would arrive");
        }

        return new ArrivalProfile(starts[1] - starts[0], rates.ToImmutable(), starts[0]);
    }

    private static double? Start(string field)
    {
        if (TimeSpan.TryParseExact(field, [@"h\:mm", @"hh\:mm", @"hh\:mm\:ss", @"h\:mm\:ss"], CultureInfo.InvariantCulture, out var time))
        {
            return time.TotalSeconds;
        }

        return double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0 ? seconds : null;
    }

    private static string Format(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static OptionsException Error(string file, int line, string reason) => new("--profile", $"{file} line {line}: {reason}");
}
