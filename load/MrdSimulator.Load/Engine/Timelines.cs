namespace MrdSimulator.Load.Engine;

public enum ArrivalPattern
{
    /// <summary>Evenly spaced arrivals following the (possibly ramping) rate.</summary>
    Uniform,

    /// <summary>Exponential inter-arrival times (a Poisson process) at the current rate.</summary>
    Poisson,
}

/// <summary>
/// Intended arrival times of an open timeline, as offsets from its start. Pure computation (no clock),
/// so the schedule can be tested exactly; the engine only waits until each offset comes due.
/// </summary>
public sealed class ArrivalSchedule
{
    private readonly List<Segment> _segments = [];
    private readonly ArrivalPattern _pattern;
    private readonly Random _random;
    private int _segmentIndex;
    private long _index;
    private double _poissonTime;

    public ArrivalSchedule(IReadOnlyList<LoadSimulation> sims, ArrivalPattern pattern = ArrivalPattern.Uniform, int seed = 1)
    {
        _pattern = pattern;
        _random = new Random(seed);
        double start = 0;
        double previousRate = 0;
        double cumulative = 0;
        foreach (var sim in sims)
        {
            var length = sim.During.TotalSeconds;
            switch (sim)
            {
                case Inject i:
                    Add(start, length, i.PerSecond, i.PerSecond);
                    previousRate = i.PerSecond;
                    break;
                case RampingInject r:
                    Add(start, length, previousRate, r.PerSecond);
                    previousRate = r.PerSecond;
                    break;
                case InjectRandom ir:
                    var iv = ir.Interval.TotalSeconds;
                    for (double t = 0; t < length - 1e-9; t += iv)
                    {
                        var rate = (ir.MinRate + (_random.NextDouble() * (ir.MaxRate - ir.MinRate))) / iv;
                        Add(start + t, Math.Min(iv, length - t), rate, rate);
                        previousRate = rate;
                    }

                    break;
                case Pause:
                    Add(start, length, 0, 0);
                    previousRate = 0;
                    break;
                default:
                    throw new ArgumentException($"'{sim.Describe()}' is not an open simulation", nameof(sims));
            }

            start += length;
        }

        Duration = TimeSpan.FromSeconds(start);
        ExpectedCount = (long)Math.Floor(cumulative + 1e-9);
        _poissonTime = 0;

        void Add(double s, double length, double r0, double r1)
        {
            var count = (r0 + r1) / 2 * length;
            _segments.Add(new Segment(s, length, r0, r1, cumulative));
            cumulative += count;
        }
    }

    public TimeSpan Duration { get; }

    /// <summary>Number of arrivals a uniform schedule produces.</summary>
    public long ExpectedCount { get; }

    /// <summary>Rate (per second) at offset <paramref name="seconds"/>.</summary>
    public double RateAt(double seconds)
    {
        foreach (var s in _segments)
        {
            if (seconds >= s.Start && seconds < s.Start + s.Length)
            {
                return s.R0 + ((s.R1 - s.R0) * (seconds - s.Start) / s.Length);
            }
        }

        return 0;
    }

    /// <summary>Next intended arrival offset in seconds; false when the timeline is over.</summary>
    public bool TryNext(out double offsetSeconds) =>
        _pattern == ArrivalPattern.Uniform ? TryNextUniform(out offsetSeconds) : TryNextPoisson(out offsetSeconds);

    private bool TryNextUniform(out double offsetSeconds)
    {
        // The k-th arrival (0-based) happens when the cumulative arrival count N(t) reaches k.
        var k = (double)_index;
        while (_segmentIndex < _segments.Count)
        {
            var s = _segments[_segmentIndex];
            var end = s.Before + ((s.R0 + s.R1) / 2 * s.Length);
            if (k < end - 1e-9)
            {
                var x = k - s.Before;
                double tau;
                if (x <= 0)
                {
                    tau = 0;
                }
                else if (Math.Abs(s.R1 - s.R0) < 1e-12)
                {
                    tau = x / s.R0;
                }
                else
                {
                    // Solve R0*tau + a*tau^2 = x with a = (R1-R0)/(2L), in a cancellation-free form.
                    var a = (s.R1 - s.R0) / (2 * s.Length);
                    tau = 2 * x / (s.R0 + Math.Sqrt(Math.Max(0, (s.R0 * s.R0) + (4 * a * x))));
                }

                offsetSeconds = s.Start + Math.Min(tau, s.Length);
                _index++;
                return true;
            }

            _segmentIndex++;
        }

        offsetSeconds = Duration.TotalSeconds;
        return false;
    }

    private bool TryNextPoisson(out double offsetSeconds)
    {
        while (_poissonTime < Duration.TotalSeconds)
        {
            var rate = RateAt(_poissonTime);
            if (rate <= 0)
            {
                // Skip to the next segment with a positive rate.
                var next = _segments.FirstOrDefault(s => s.Start > _poissonTime && (s.R0 > 0 || s.R1 > 0));
                if (next is null)
                {
                    break;
                }

                _poissonTime = next.Start;
                continue;
            }

            var gap = -Math.Log(1 - _random.NextDouble()) / rate;
            var current = _poissonTime;
            _poissonTime += gap;
            offsetSeconds = current;
            _index++;
            return true;
        }

        offsetSeconds = Duration.TotalSeconds;
        return false;
    }

    private sealed record Segment(double Start, double Length, double R0, double R1, double Before);
}

/// <summary>Target number of virtual users of a closed timeline at each moment.</summary>
public sealed class ClosedTimeline
{
    private readonly List<(double Start, double Length, int From, int To)> _segments = [];

    public ClosedTimeline(IReadOnlyList<LoadSimulation> sims)
    {
        double start = 0;
        var previous = 0;
        foreach (var sim in sims)
        {
            var length = sim.During.TotalSeconds;
            switch (sim)
            {
                case KeepConstant k:
                    _segments.Add((start, length, k.Copies, k.Copies));
                    previous = k.Copies;
                    break;
                case RampingConstant r:
                    _segments.Add((start, length, previous, r.Copies));
                    previous = r.Copies;
                    break;
                case Pause:
                    _segments.Add((start, length, 0, 0));
                    previous = 0;
                    break;
                default:
                    throw new ArgumentException($"'{sim.Describe()}' is not a closed simulation", nameof(sims));
            }

            start += length;
        }

        Duration = TimeSpan.FromSeconds(start);
        MaxCopies = _segments.Count == 0 ? 0 : _segments.Max(s => Math.Max(s.From, s.To));
    }

    public TimeSpan Duration { get; }

    public int MaxCopies { get; }

    public int CopiesAt(double seconds)
    {
        foreach (var (start, length, from, to) in _segments)
        {
            if (seconds >= start && seconds < start + length)
            {
                return (int)Math.Round(from + ((to - from) * (seconds - start) / length));
            }
        }

        return 0;
    }
}
