namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Simulated time running <see cref="Scale"/> times faster than real time (<c>--time-scale 60</c>: an hour
/// in a minute). The clock starts at the real time of creation; every timer's due time and period are
/// divided by the scale, so grain timers (RONA, task duration, bots, the task generator) all speed up.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly long _realStart;
    private readonly DateTimeOffset _start;

    public ScaledTimeProvider(double scale, TimeProvider? real = null)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The time scale must be a positive number");
        }

        Scale = scale;
        _real = real ?? System;
        _realStart = _real.GetTimestamp();
        _start = _real.GetUtcNow();
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
