using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using MrdSimulator.Gateway.Observability.Tracing;
using OpenTelemetry.Trace;

namespace MrdSimulator.Observability.Tests;

public sealed class SamplerTests
{
    [Fact]
    public void RateLimitingSamplerKeepsAtMostOneSecondsWorthInABurst()
    {
        var sampler = new RateLimitingSampler(50);

        var sampled = Enumerable.Range(0, 10_000).Count(_ => sampler.ShouldSample(Parameters()).Decision == SamplingDecision.RecordAndSample);

        Assert.InRange(sampled, 50, 52);
    }

    [Fact]
    public async Task RateLimitingSamplerRefillsOverTime()
    {
        var sampler = new RateLimitingSampler(1000);
        while (sampler.ShouldSample(Parameters()).Decision == SamplingDecision.RecordAndSample)
        {
        }

        await Task.Delay(50);

        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(Parameters()).Decision);
    }

    [Theory]
    [InlineData(null, null, "ParentBased{RateLimitingSampler{100/s}}")]
    [InlineData("parentbased_always_on", null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("always_off", null, "AlwaysOffSampler")]
    [InlineData("traceidratio", "0.25", "TraceIdRatioBasedSampler{0.250000}")]
    [InlineData("ratelimited", "5", "RateLimitingSampler{5/s}")]
    public void SamplerFollowsOtelTracesSampler(string? sampler, string? arg, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_TRACES_SAMPLER"] = sampler,
            ["OTEL_TRACES_SAMPLER_ARG"] = arg,
        }).Build();

        Assert.Equal(expected, OpenTelemetryExport.Sampler(configuration).Description);
    }

    private static SamplingParameters Parameters() =>
        new(default, ActivityTraceId.CreateRandom(), "span", ActivityKind.Server);
}
