using System.Diagnostics;
using OpenTelemetry.Trace;

namespace MrdSimulator.Gateway.Observability.Tracing;

/// <summary>
/// Samples at most <c>perSecond</c> new traces a second (bursts up to one second's worth), so a developer's
/// handful of requests are all traced while a load test's 20,000 a second do not pay for recording and
/// exporting every span. Lock-free: one compare-and-swap per decision.
/// </summary>
public sealed class RateLimitingSampler : Sampler
{
    private static readonly SamplingResult Sample = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Skip = new(SamplingDecision.Drop);
    private readonly long _interval;
    private long _last;

    public RateLimitingSampler(double perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        _interval = Math.Max(1, (long)(Stopwatch.Frequency / perSecond));
        _last = Stopwatch.GetTimestamp() - Stopwatch.Frequency;
        Description = $"RateLimitingSampler{{{perSecond}/s}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var now = Stopwatch.GetTimestamp();
        while (true)
        {
            var last = Volatile.Read(ref _last);
            // The virtual time of the next token, but never more than one second of saved-up tokens.
            var next = Math.Max(last + _interval, now - Stopwatch.Frequency);
            if (next > now)
            {
                return Skip;
            }

            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return Sample;
            }
        }
    }
}
