using System.Globalization;
using System.Text.RegularExpressions;

namespace MrdSimulator.Load.Engine;

/// <summary>Parses and prints durations such as <c>500ms</c>, <c>30s</c>, <c>1m30s</c>, <c>2h</c>, <c>250us</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"\G(?<n>\d+(?:\.\d+)?)(?<u>us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var position = 0;
        double totalMs = 0;
        while (position < text.Length)
        {
            var match = Part().Match(text, position);
            if (!match.Success)
            {
                return false;
            }

            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            totalMs += match.Groups["u"].Value switch
            {
                "us" or "µs" => n / 1000.0,
                "ms" => n,
                "s" => n * 1000,
                "m" => n * 60_000,
                _ => n * 3_600_000,
            };
            position += match.Length;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a duration (examples: 500ms, 30s, 1m30s, 2h)");

    public static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds < 1000)
        {
            return value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        }

        if (value.TotalSeconds < 60 || value.TotalSeconds % 60 != 0)
        {
            return value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        }

        return value.TotalMinutes % 60 == 0 && value.TotalHours >= 1
            ? value.TotalHours.ToString("0.###", CultureInfo.InvariantCulture) + "h"
            : value.TotalMinutes.ToString("0.###", CultureInfo.InvariantCulture) + "m";
    }
}
