using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.Grains.Hosting;

// Media grain calls that write state, on the grains' two in-process stores side by side: Orleans' memory storage
// (each write a call to a storage grain) and the simulator's in-process storage (a dictionary write). Each round
// starts a fresh co-hosted silo per store, signs in the pairs (activation + first write), then toggles READY /
// NOT_READY on every pair (a write each). Rounds alternate the stores so a noisy machine hits both alike.
// Usage: StorageBench [pairs] [rounds]
var pairs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var results = new Dictionary<GrainStateStore, List<(double SignIn, double Change, double BytesPerPair)>>
{
    [GrainStateStore.InProcess] = [],
    [GrainStateStore.Memory] = [],
};

for (var round = 0; round < rounds; round++)
{
    foreach (var store in round % 2 == 0 ? new[] { GrainStateStore.Memory, GrainStateStore.InProcess } : [GrainStateStore.InProcess, GrainStateStore.Memory])
    {
        var result = await MeasureAsync(store, pairs);
        results[store].Add(result);
        Console.WriteLine(FormattableString.Invariant($"round {round + 1} {store,-9}: sign-in {result.SignIn,8:N0}/s, state change {result.Change,8:N0}/s, {result.BytesPerPair,6:N0} B/pair"));
    }
}

var memory = results[GrainStateStore.Memory];
var inProcess = results[GrainStateStore.InProcess];
Console.WriteLine(FormattableString.Invariant($"median state changes/s: in-process {Median(inProcess, r => r.Change):N0}, memory storage {Median(memory, r => r.Change):N0}; ratio {Median(inProcess, r => r.Change) / Median(memory, r => r.Change):F2}"));
Console.WriteLine(FormattableString.Invariant($"median sign-ins/s:      in-process {Median(inProcess, r => r.SignIn):N0}, memory storage {Median(memory, r => r.SignIn):N0}; ratio {Median(inProcess, r => r.SignIn) / Median(memory, r => r.SignIn):F2}"));
Console.WriteLine(FormattableString.Invariant($"median bytes per pair:  in-process {Median(inProcess, r => r.BytesPerPair):N0}, memory storage {Median(memory, r => r.BytesPerPair):N0}"));

static double Median<T>(List<T> values, Func<T, double> of) => values.Select(of).Order().ElementAt(values.Count / 2);

static async Task<(double SignIn, double Change, double BytesPerPair)> MeasureAsync(GrainStateStore store, int pairs)
{
    var agents = (pairs + 2) / 3;
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddSingleton(DemoDirectory.Create(agents, supervisors: 0));
    builder.UseOrleans(silo => silo
        .UseLocalhostClustering(siloPort: 22_000 + Random.Shared.Next(5_000), gatewayPort: 0)
        .AddSimulatorGrains(new SimulatorSiloOptions { Store = store }));
    using var host = builder.Build();
    await host.StartAsync();
    var grains = host.Services.GetRequiredService<IGrainFactory>();
    var keys = Enumerable.Range(0, pairs).Select(i => new MediaGrainKey((1000 + i / 3).ToString(CultureInfo.InvariantCulture), 5000 + i % 3)).ToArray();
    var before = Settled();

    var clock = Stopwatch.StartNew();
    await Batches(keys, k => grains.GetMediaGrain(k).ApplyAsync(MediaRequest.Login(1, InterruptAction.Accept), null).AsTask());
    var signIn = pairs / clock.Elapsed.TotalSeconds;
    var bytes = (Settled() - before) / (double)pairs;

    clock.Restart();
    await Batches(keys, k => grains.GetMediaGrain(k).ApplyAsync(MediaRequest.ChangeState(AgentState.Ready), null).AsTask());
    await Batches(keys, k => grains.GetMediaGrain(k).ApplyAsync(MediaRequest.ChangeState(AgentState.NotReady, 1001), null).AsTask());
    var change = 2 * pairs / clock.Elapsed.TotalSeconds;

    await host.StopAsync();
    return (signIn, change, bytes);
}

static async Task Batches(MediaGrainKey[] keys, Func<MediaGrainKey, Task> call)
{
    const int inFlight = 5_000;
    for (var i = 0; i < keys.Length; i += inFlight)
    {
        await Task.WhenAll(keys.Skip(i).Take(inFlight).Select(call));
    }
}

static long Settled()
{
    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    return GC.GetTotalMemory(forceFullCollection: true);
}
