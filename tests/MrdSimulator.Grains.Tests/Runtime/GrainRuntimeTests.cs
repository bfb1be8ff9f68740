using Microsoft.Extensions.Time.Testing;
using MrdSimulator.Grains.Runtime;
using MrdSimulator.Grains.Storage;

namespace MrdSimulator.Grains.Tests.Runtime;

public sealed class GrainRuntimeTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private GrainRuntime _runtime = null!;

    public Task InitializeAsync()
    {
        _runtime = new GrainRuntime(new GrainRuntimeOptions { MailboxCapacity = 20_000, CollectionAge = TimeSpan.FromMinutes(15) }, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _runtime.DisposeAsync();

    [Fact]
    public async Task TenThousandConcurrentCallsToOneGrainNeverOverlap()
    {
        // Racing first calls may build spare grain instances that never activate; keep them all.
        var grains = new System.Collections.Concurrent.ConcurrentBag<ProbeGrain>();
        var table = _runtime.CreateTable<string, ProbeGrain>(_ =>
        {
            var created = new ProbeGrain();
            grains.Add(created);
            return created;
        });

        var calls = Enumerable.Range(0, 10_000)
            .Select(i => Task.Run(async () => await table.InvokeAsync("hot", g => g.EnterAsync(i, yield: i % 2 == 0))))
            .ToArray();
        await Task.WhenAll(calls);

        var grain = Assert.Single(grains, g => g.Count > 0);
        Assert.Equal(1, grain.MaxInside);
        Assert.Equal(10_000, grain.Count);
        Assert.Equal(10_000, grain.Seen.Distinct().Count());
        Assert.Equal(1, table.ActivationCount);
    }

    [Fact]
    public async Task CallsFromOneCallerRunInTheOrderTheyWereMade()
    {
        ProbeGrain? grain = null;
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => grain = new ProbeGrain());

        var calls = Enumerable.Range(0, 500).Select(i => table.InvokeAsync("ordered", g => g.EnterAsync(i, yield: true)).AsTask()).ToArray();
        await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 500), grain!.Seen);
    }

    [Fact]
    public async Task DifferentGrainsRunConcurrently()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());

        var blocked = table.InvokeAsync("a", async _ => { await gate.Task; return 1; }).AsTask();
        var other = await table.InvokeAsync("b", _ => ValueTask.FromResult(2));

        Assert.Equal(2, other);
        Assert.False(blocked.IsCompleted);
        gate.SetResult();
        Assert.Equal(1, await blocked);
    }

    [Fact]
    public async Task FullMailboxRejectsNewCallsWithoutLosingAcceptedWork()
    {
        var runtime = new GrainRuntime(new GrainRuntimeOptions { MailboxCapacity = 10 }, _time);
        await using var disposeRuntime = runtime;
        ProbeGrain? grain = null;
        var table = runtime.CreateTable<string, ProbeGrain>(_ => grain = new ProbeGrain());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = table.InvokeAsync("full", async g => { await gate.Task; return await g.EnterAsync(-1, false); }).AsTask();
        var accepted = Enumerable.Range(0, 10).Select(i => table.InvokeAsync("full", g => g.EnterAsync(i, false)).AsTask()).ToList();

        // The refusal is synchronous: nothing is queued, no task is created.
        MailboxFullException? rejected = null;
        try
        {
            _ = table.InvokeAsync("full", g => g.EnterAsync(99, false)).AsTask();
        }
        catch (MailboxFullException ex)
        {
            rejected = ex;
        }

        Assert.NotNull(rejected);
        Assert.Equal(10, rejected.Capacity);
        Assert.Equal(1, runtime.Metrics.RejectedTotal);
        Assert.Equal(10, table.QueueLength("full"));

        gate.SetResult();
        await running;
        Assert.Equal(Enumerable.Range(2, 10), await Task.WhenAll(accepted));
        Assert.Equal([-1, .. Enumerable.Range(0, 10)], grain!.Seen);
        Assert.DoesNotContain(99, grain.Seen);

        // Once drained, the grain takes calls again.
        Assert.Equal(12, await table.InvokeAsync("full", g => g.EnterAsync(100, false)));
    }

    [Fact]
    public async Task MailboxDepthCountsPostedCallsWhileTheyWaitAndReturnsToZeroWhenDrained()
    {
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = table.InvokeAsync("posted", async _ => { await gate.Task; return 0; }).AsTask();

        var posts = Enumerable.Range(0, 5).Select(i => table.Post("posted", g => g.EnterAsync(i, false))).ToArray();
        Assert.Equal(5, _runtime.Metrics.MailboxDepth);

        gate.SetResult();
        await running;
        await Task.WhenAll(posts);
        Assert.Equal(0, _runtime.Metrics.MailboxDepth);
    }

    [Fact]
    public async Task IdleGrainIsDeactivatedAndReactivatesWithItsState()
    {
        var storage = new MemoryGrainStorage<string, CounterState>();
        var activations = 0;
        var table = _runtime.CreateTable<string, CounterGrain>(k => new CounterGrain(k, storage, () => Interlocked.Increment(ref activations)));

        await table.InvokeAsync("c", g => g.IncrementAsync());
        await table.InvokeAsync("c", g => g.IncrementAsync());
        Assert.Equal(0, _runtime.CollectIdle());

        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, _runtime.CollectIdle());
        await WaitUntil(() => !table.IsActive("c"));

        Assert.Equal(3, await table.InvokeAsync("c", g => g.IncrementAsync()));
        Assert.Equal(2, activations);
    }

    [Fact]
    public async Task GrainUsedRecentlyIsNotCollected()
    {
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());
        await table.InvokeAsync("recent", g => g.EnterAsync(1, false));
        _time.Advance(TimeSpan.FromMinutes(10));
        await table.InvokeAsync("recent", g => g.EnterAsync(2, false));
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, _runtime.CollectIdle());
        Assert.True(table.IsActive("recent"));
    }

    [Fact]
    public async Task GrainWithATimerIsNotCollected()
    {
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());
        await table.InvokeAsync("timed", g => ValueTask.FromResult(g.StartTimer(TimeSpan.FromHours(1), () => Task.CompletedTask)));
        _time.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(0, _runtime.CollectIdle());
        Assert.True(table.IsActive("timed"));
    }

    [Fact]
    public async Task TimerTicksAreTurnsThatNeverOverlapCalls()
    {
        ProbeGrain? grain = null;
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => grain = new ProbeGrain());
        var ticks = 0;
        await table.InvokeAsync("t", g => ValueTask.FromResult(g.StartTimer(TimeSpan.FromSeconds(1), async () =>
        {
            Interlocked.Increment(ref ticks);
            await g.EnterAsync(-1, yield: true);
        })));

        var calls = Enumerable.Range(0, 200).Select(i => Task.Run(async () => await table.InvokeAsync("t", g => g.EnterAsync(i, yield: true)))).ToList();
        for (var i = 0; i < 50; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(1);
        }

        await Task.WhenAll(calls);
        await WaitUntil(() => grain!.Count == 200 + ticks);
        Assert.True(ticks > 0);
        Assert.Equal(1, grain!.MaxInside);
    }

    [Fact]
    public async Task StaleEtagWriteFails()
    {
        var storage = new MemoryGrainStorage<string, CounterState>();
        var first = new PersistentState<string, CounterState>("k", storage, new CounterState(0));
        var second = new PersistentState<string, CounterState>("k", storage, new CounterState(0));
        await first.ReadStateAsync();
        await second.ReadStateAsync();

        first.State = new CounterState(1);
        await first.WriteStateAsync();
        second.State = new CounterState(100);

        await Assert.ThrowsAsync<InconsistentStateException>(async () => await second.WriteStateAsync());
        Assert.Equal(1, (await storage.ReadAsync("k"))!.Value.State.Value);
    }

    [Fact]
    public async Task ActivationThatLosesAnEtagRaceIsReplacedAndTheNextCallSeesTheNewerState()
    {
        var storage = new MemoryGrainStorage<string, CounterState>();
        var table = _runtime.CreateTable<string, CounterGrain>(k => new CounterGrain(k, storage));
        await table.InvokeAsync("dup", g => g.IncrementAsync());

        // A brief duplicate activation elsewhere writes newer state behind this activation's back.
        var other = new PersistentState<string, CounterState>("dup", storage, new CounterState(0));
        await other.ReadStateAsync();
        other.State = new CounterState(50);
        await other.WriteStateAsync();

        await Assert.ThrowsAsync<InconsistentStateException>(async () => await table.InvokeAsync("dup", g => g.IncrementAsync()));
        await WaitUntil(() => !table.IsActive("dup"));

        Assert.Equal(51, await table.InvokeAsync("dup", g => g.IncrementAsync()));
    }

    [Fact]
    public async Task CallsArrivingDuringDeactivationAreForwardedToTheNextActivation()
    {
        var storage = new MemoryGrainStorage<string, CounterState>();
        var releaseDeactivation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deactivating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var activations = 0;
        var table = _runtime.CreateTable<string, CounterGrain>(k => new CounterGrain(
            k, storage, () => Interlocked.Increment(ref activations), async () => { deactivating.TrySetResult(); await releaseDeactivation.Task; }));

        await table.InvokeAsync("fw", g => g.IncrementAsync());
        await table.InvokeAsync("fw", g => g.DeactivateAsync());
        await deactivating.Task;

        var waiting = Enumerable.Range(0, 5).Select(_ => table.InvokeAsync("fw", g => g.IncrementAsync()).AsTask()).ToList();
        await Task.Delay(20);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));

        releaseDeactivation.SetResult();
        var values = await Task.WhenAll(waiting);

        Assert.Equal([2, 3, 4, 5, 6], values.Order());
        Assert.Equal(2, activations);
    }

    [Fact]
    public async Task ExceptionInATurnReachesTheCallerAndTheGrainStaysUsable()
    {
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await table.InvokeAsync<int>("boom", _ => throw new InvalidOperationException("turn failed")));

        Assert.Equal(1, await table.InvokeAsync("boom", g => g.EnterAsync(1, false)));
    }

    [Fact]
    public async Task CollectorRunsOnItsOwnEveryQuantum()
    {
        var table = _runtime.CreateTable<string, ProbeGrain>(_ => new ProbeGrain());
        await table.InvokeAsync("auto", g => g.EnterAsync(1, false));
        _runtime.StartCollector();

        // The loop's timer is created on another thread; keep the clock moving until it has collected.
        await WaitUntil(() =>
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            return !table.IsActive("auto");
        });
        Assert.True(_time.GetUtcNow() >= new DateTimeOffset(2026, 1, 1, 0, 15, 0, TimeSpan.Zero));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
