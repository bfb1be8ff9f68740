namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Simulated time running <see cref="Scale"/> times faster than real time (<c>--time-scale 60</c>: an hour
/// in a minute). Simulated time equals real time at the epoch (by default the moment of creation) and runs
/// <see cref="Scale"/> times faster from there; processes of a cluster given the same epoch agree on it. Every timer's
/// due time and period are divided by the scale, so grain timers (RONA, task duration, bots, the generator) speed up.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly long _realStart;
    private readonly DateTimeOffset _start;

    public ScaledTimeProvider(double scale, TimeProvider? real = null, DateTimeOffset? epoch = null)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The time scale must be a positive number");
        }

        Scale = scale;
        _real = real ?? System;
        var now = _real.GetUtcNow();
        // An epoch a moment ahead (clock skew between machines) counts as now.
        var start = epoch is { } e && e < now ? e : now;

        // Scale what elapsed since the epoch once; from here on the monotonic timestamp carries the clock.
        _realStart = _real.GetTimestamp();
        _start = start + TimeSpan.FromTicks((long)((now - start).Ticks * scale));
    }

    public double Scale { get; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    public override long GetTimestamp() => (long)(_real.GetElapsedTime(_realStart).Ticks * Scale);

    public override DateTimeOffset GetUtcNow() => _start + TimeSpan.FromTicks(GetTimestamp());

    /// <summary>The simulator's grain timers run faster; anything else (Orleans' system timers) keeps real time.</summary>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        SimulatorTimers.Creating
            ? new ScaledTimer(_real.CreateTimer(callback, state, Shrink(dueTime), Shrink(period)), this)
            : _real.CreateTimer(callback, state, dueTime, period);

    private TimeSpan Shrink(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan ? span : TimeSpan.FromTicks((long)(span.Ticks / Scale));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Shrink(dueTime), owner.Shrink(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
