using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Finesse;
using MrdSimulator.Load.Finesse.Scenarios;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Tests;

/// <summary>Timing-sensitive tests run alone: on a 2-core machine parallel tests would steal the scheduler's CPU.</summary>
[CollectionDefinition("timing", DisableParallelization = true)]
public sealed class TimingCollection;

/// <summary>Load models against a bare local Kestrel endpoint that records when each request arrived.</summary>
[Collection("timing")]
public sealed class EngineTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(long Ticks, string Path)> _arrivals = new();
    private readonly ConcurrentQueue<(long Ticks, int Concurrent)> _concurrency = new();
    private WebApplication _app = null!;
    private Uri _url = null!;
    private int _delayMs;
    private bool _lean = true;
    private int _status = 202;
    private int _concurrent;
    private int _maxConcurrent;

    public async Task InitializeAsync()
    {
        (_app, _url) = await TestServers.StartAsync(app => app.Run(async ctx =>
        {
            _arrivals.Enqueue((Stopwatch.GetTimestamp(), ctx.Request.Path.Value ?? ""));
            var now = Interlocked.Increment(ref _concurrent);
            _concurrency.Enqueue((Stopwatch.GetTimestamp(), now));
            int seen;
            while (now > (seen = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, seen) != seen)
            {
            }

            await ctx.Request.Body.CopyToAsync(Stream.Null);
            if (_delayMs > 0 && ctx.Request.Path != "/")
            {
                await Task.Delay(_delayMs);
            }

            Interlocked.Decrement(ref _concurrent);
            ctx.Response.StatusCode = ctx.Request.Path == "/" ? 200 : _status;
        }));
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<RunResult> RunAsync(string load, bool correction = true, int maxUsers = 10_000, long maxFail = 0, TimeSpan? warmUp = null, params (string Path, double Weight)[] paths)
    {
        using var client = new HttpTarget(_url, 256, TimeSpan.FromSeconds(10), _lean);
        if (paths.Length == 0)
        {
            paths = [("/x", 1)];
        }

        var scenarios = paths.Select(p => new WeightedScenario(
            new HttpScenario(p.Path.Trim('/'), client, new HttpScenarioOptions { Path = p.Path, Body = "<Media><state>READY</state></Media>" }),
            p.Weight)).ToList();
        var engine = new LoadEngine(new EngineOptions
        {
            CoordinatedOmissionCorrection = correction,
            DefaultMaxVirtualUsers = maxUsers,
            MaxFailCount = maxFail,
            ReportInterval = TimeSpan.FromMilliseconds(500),
        });
        var result = await engine.RunAsync([new ScenarioGroup(scenarios, LoadSimulationParser.ParseList(load), warmUp ?? TimeSpan.Zero)]);
        return result;
    }

    private List<long> Arrivals(string path = "/x") => _arrivals.Where(a => a.Path == path).Select(a => a.Ticks).Order().ToList();

    [Fact]
    public async Task OpenModelAchievesTargetRateWithinTwoPercent()
    {
        var result = await RunAsync("inject 1000/s 3s");
        var arrivals = Arrivals();
        Assert.Equal(3000, arrivals.Count);
        var span = (arrivals[^1] - arrivals[0]) / (double)Stopwatch.Frequency;
        var achieved = (arrivals.Count - 1) / span;
        Assert.InRange(achieved, 980, 1020);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.InRange(step.Rps, 980, 1020);
        Assert.Equal(0, step.Fail);
        Assert.Equal(0, result.Generator!.Dropped);
    }

    [Fact]
    public async Task OpenModelKeepsSchedulingWhenResponsesAreSlow()
    {
        _delayMs = 400;
        var result = await RunAsync("inject 200/s 2s", warmUp: TimeSpan.FromMilliseconds(500));
        var arrivals = Arrivals().Skip(100).ToList(); // after the warm-up's 100
        Assert.Equal(400, arrivals.Count);
        var span = (arrivals[^1] - arrivals[0]) / (double)Stopwatch.Frequency;
        Assert.InRange(span, 1.995 * 0.98, 1.995 * 1.02); // sending never waited for the 400 ms answers
        var firstHalf = arrivals.Count(a => a < arrivals[0] + Stopwatch.Frequency);
        var buckets = string.Join(",", Enumerable.Range(0, 21).Select(i => arrivals.Count(a => a >= arrivals[0] + (i * Stopwatch.Frequency / 10) && a < arrivals[0] + ((i + 1) * Stopwatch.Frequency / 10))));
        Assert.True(firstHalf is >= 190 and <= 210, buckets + " lag " + result.Generator);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        // Every answer took 400 ms; the histogram keeps 3 significant digits, so a percentile may read up to 0.1 % lower.
        Assert.True(step.Latency.P50Ms >= 400 * 0.999, $"p50 {step.Latency.P50Ms} ms");
        Assert.True(_maxConcurrent >= 60, $"max concurrency {_maxConcurrent}");
    }

    [Fact]
    public async Task CoordinatedOmissionCorrectionMeasuresFromTheIntendedSendTime()
    {
        // One virtual user, 50 ms answers: capacity 20/s against 40/s intended. Requests queue in the generator.
        _delayMs = 50;
        var corrected = await RunAsync("inject 40/s 1s", correction: true, maxUsers: 1);
        var uncorrected = await RunAsync("inject 40/s 1s", correction: false, maxUsers: 1);
        var c = Assert.Single(corrected.Steps, s => s.Step == "request");
        var u = Assert.Single(uncorrected.Steps, s => s.Step == "request");
        Assert.Equal(40, c.Count);
        Assert.Equal(40, u.Count);
        Assert.True(c.Latency.P99Ms > 700, $"corrected p99 {c.Latency.P99Ms} ms should include the queueing");
        Assert.True(u.Latency.P99Ms < 200, $"uncorrected p99 {u.Latency.P99Ms} ms should hide it");
        Assert.True(corrected.CoordinatedOmissionCorrection);
        Assert.False(uncorrected.CoordinatedOmissionCorrection);
    }

    [Fact]
    public async Task ClosedModelKeepsTheNumberOfVirtualUsers()
    {
        _delayMs = 20;
        var result = await RunAsync("keep-constant 8 1s");
        Assert.Equal(8, _maxConcurrent);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.InRange(step.Count, 80, 8 * 1000 / 20 * 1.1); // each user loops; cold starts make the first ones slower
    }

    [Fact]
    public async Task ClosedModelRampsVirtualUsersUp()
    {
        _delayMs = 100;
        await RunAsync("ramp-constant 6 1500ms");
        var samples = _concurrency.ToList();
        var start = samples.Min(x => x.Ticks);
        var third = Stopwatch.Frequency / 2;
        var early = samples.Where(x => x.Ticks < start + third).Max(x => x.Concurrent);
        var late = samples.Where(x => x.Ticks >= start + (2 * third)).Max(x => x.Concurrent);
        Assert.InRange(early, 1, 3);
        Assert.InRange(late, 5, 6);
    }

    [Fact]
    public async Task ScenarioWeightsSplitArrivals()
    {
        await RunAsync("inject 400/s 1s", paths: [("/a", 3), ("/b", 1)]);
        Assert.Equal(300, Arrivals("/a").Count);
        Assert.Equal(100, Arrivals("/b").Count);
    }

    [Fact]
    public async Task WarmUpIsExcludedFromStatistics()
    {
        var result = await RunAsync("inject 100/s 1s", warmUp: TimeSpan.FromMilliseconds(500));
        Assert.Equal(150, Arrivals().Count);
        Assert.Equal(100, Assert.Single(result.Steps, s => s.Step == "request").Count);
    }

    [Fact]
    public async Task StopsAfterTheConfiguredNumberOfFailures()
    {
        _status = 500;
        var watch = Stopwatch.StartNew();
        var result = await RunAsync("inject 1000/s 5s", maxFail: 50);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        Assert.Contains("max fail count 50", result.AbortReason, StringComparison.Ordinal);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.Equal(500, Assert.Single(step.StatusCodes).Code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RecordsStatusCodesAndBytes(bool lean)
    {
        _status = 404;
        _lean = lean;
        var result = await RunAsync("inject 50/s 1s");
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.Equal(50, step.Fail);
        Assert.Equal(new StatusCount(404, 50, "Not Found"), Assert.Single(step.StatusCodes));
        Assert.Equal(50 * "<Media><state>READY</state></Media>".Length, step.BytesSent);
        Assert.NotEmpty(result.Runtime);
        Assert.All(result.Runtime, r => Assert.True(r.WorkingSetMb > 0));
    }

    [Fact]
    public async Task TimeoutsAreADistinctStatus()
    {
        _delayMs = 1500;
        using var client = new HttpTarget(_url, 16, TimeSpan.FromMilliseconds(200));
        var scenario = new HttpScenario("t", client, new HttpScenarioOptions { Path = "/x" });
        var result = await new LoadEngine(new EngineOptions { MaxFailCount = 0 })
            .RunAsync([new ScenarioGroup([new WeightedScenario(scenario, 1)], LoadSimulationParser.ParseList("inject 10/s 1s"), TimeSpan.Zero)]);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.Equal(Stats.StatusCodes.Timeout, Assert.Single(step.StatusCodes).Code);
        Assert.Equal(10, step.Timeouts);
    }

    [Fact]
    public async Task ATargetThatGoesAwayMidRunStopsTheRunWithAClearMessage()
    {
        var (app, url) = await TestServers.StartAsync(a => a.Run(ctx =>
        {
            ctx.Response.StatusCode = ctx.Request.Path == "/" ? 200 : 202;
            return Task.CompletedTask;
        }));
        using var client = new HttpTarget(url, 16, TimeSpan.FromSeconds(2));
        var scenario = new HttpScenario("gone", client, new HttpScenarioOptions { Path = "/x" });
        var engine = new LoadEngine(new EngineOptions { BaseUrl = url.ToString(), MaxFailCount = 0, UnreachableAfter = TimeSpan.FromSeconds(1), ReportInterval = TimeSpan.FromMilliseconds(250) });
        var run = engine.RunAsync([new ScenarioGroup([new WeightedScenario(scenario, 1)], LoadSimulationParser.ParseList("inject 100/s 20s"), TimeSpan.Zero)]);
        await Task.Delay(1000);
        await app.StopAsync();
        await app.DisposeAsync();
        var watch = Stopwatch.StartNew();
        var result = await run;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"took {watch.Elapsed}");
        Assert.Contains($"target {url} unreachable", result.AbortReason, StringComparison.Ordinal);
        var step = Assert.Single(result.Steps, s => s.Step == "request");
        Assert.True(step.Ok > 50);
        Assert.Contains(step.StatusCodes, c => c.Code == Stats.StatusCodes.ConnectionError);
    }
}
