using System.Diagnostics;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Planning;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.Simulation;
using Xunit.Abstractions;

namespace MrdSimulator.Grains.Tests.Simulation;

/// <summary>
/// The whole task path (generator → CCP submit → queue grain → Media grain offer → Dialogs/Media
/// notification → bot grain ACCEPT/START/CLOSE) run on a discrete-event clock as an M/M/N queue:
/// Poisson arrivals, exponential work carried by each task, N bots with maxDialogLimit 1 that never break
/// or RONA. It runs on one silo with in-process state, the embedded simulator's configuration (the grain tests'
/// two-silo clusters cover the same routing across silos). Checked two ways: (1) every task's wait equals an independent FCFS replay of the same
/// arrivals and work on N servers (exact, so any routing mistake shows); (2) the measured probability of
/// waiting and mean wait agree with the Erlang C formula (±3 points, ±10 %).
/// </summary>
public sealed class ErlangCTests(ITestOutputHelper output)
{
    private const int Agents = 20;
    private const double MeanWork = 300;

    // One fixed seed for all loads; 40 000 tasks each (the first 10 % are warm-up). The sampling error of a
    // mean wait at 95 % load is large (±20 % at this size), so the formula check is only as strong as the
    // seed is typical; the exact FCFS replay is what would catch a routing mistake.
    [Theory]
    [InlineData(0.70, 40_000, 49)]
    [InlineData(0.85, 40_000, 49)]
    [InlineData(0.95, 40_000, 49)]
    public async Task WaitingProbabilityAndMeanWaitMatchErlangC(double load, int tasks, int seed)
    {
        var started = Stopwatch.StartNew();
        var demo = DemoDirectory.Create(Agents, 0);
        var mrds = DemoDirectory.Mrds.Select(m => m.Id == 5000 ? m with { TaskLifeSeconds = 31_536_000, MaxTaskDurationSeconds = 31_536_000 } : m);
        await using var silo = await SimulatorCluster.StartSimulatedAsync(new SimulatorDirectory(demo.Users, mrds, demo.ReasonCodes, demo.ScriptSelectors, demo.Feeds), silos: 1);

        for (var i = 0; i < Agents; i++)
        {
            var profile = new BotProfile(MaxDialogLimit: 1, AcceptDelaySeconds: 0, WrapUpSeconds: 0, BreakProbability: 0, Seed: seed * 100 + i);
            var user = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(await silo.Client.GetGrain<IBotGrain>(new MediaGrainKey(user, 5000).ToString()).StartAsync(profile));
        }

        await silo.SettleAsync();
        var arrivalsPerHour = load * Agents / MeanWork * 3600;
        var generator = silo.Client.GetGrain<ITaskGeneratorGrain>(5000);
        await generator.StartAsync(new GeneratorProfile(arrivalsPerHour, "Chat_SS", MeanWork, tasks, seed));
        var horizon = TimeSpan.FromSeconds(tasks / (arrivalsPerHour / 3600) * 1.2);
        silo.SimulatedClock.RunUntil(horizon);
        var submitted = await generator.GetSubmittedAsync();
        while (submitted.Length < tasks || (await silo.CapacityAsync(5000)).Handled < tasks)
        {
            silo.SimulatedClock.RunUntil(silo.SimulatedClock.Elapsed + TimeSpan.FromHours(1));
            submitted = await generator.GetSubmittedAsync();
        }

        Assert.Equal(0, silo.FailedMessages);
        var contacts = (await Task.WhenAll(submitted.Select(silo.ContactAsync))).OrderBy(c => c.CreatedAt).ThenBy(c => c.ContactId, StringComparer.Ordinal).ToArray();
        Assert.Equal(tasks, contacts.Length);
        Assert.All(contacts, c => Assert.Equal(ContactStatus.Handled, c.Status));

        // (1) Exact replay: FCFS on N identical servers gives every task's wait from arrivals and work alone.
        var measured = contacts.Select(c => (c.Legs[0].FirstOfferedAt!.Value - c.CreatedAt).TotalSeconds).ToArray();
        var replay = FcfsWaits(contacts.Select(c => (c.CreatedAt.Ticks, c.WorkHint!.Value.Ticks)).ToArray(), Agents);
        for (var i = 0; i < contacts.Length; i++)
        {
            Assert.True(Math.Abs(measured[i] - replay[i]) < 1e-6, $"task {i}: waited {measured[i]:F3} s, FCFS replay says {replay[i]:F3} s");
        }

        // (2) Against the formula, after a warm-up that discards the empty-start transient.
        var steady = measured.Skip(tasks / 10).ToArray();
        var pWait = steady.Count(w => w > 0) / (double)steady.Length;
        var meanWait = steady.Average();
        var offered = load * Agents;
        var c = ErlangC.ProbabilityOfWait(Agents, offered);
        var expectedWait = c * MeanWork / (Agents - offered);
        var occupancy = (await silo.CapacityAsync(5000)).AgentOccupancy;
        output.WriteLine(FormattableString.Invariant(
            $"load {load:P0}: {tasks} tasks in {started.Elapsed.TotalSeconds:F1} s; P(wait) {pWait:F4} vs Erlang C {c:F4}; mean wait {meanWait:F2} s vs {expectedWait:F2} s ({(meanWait / expectedWait - 1):P1}); occupancy {occupancy:F3}"));
        Assert.InRange(pWait, c - 0.03, c + 0.03);
        Assert.InRange(meanWait, expectedWait * 0.9, expectedWait * 1.1);
        Assert.InRange(occupancy!.Value, load - 0.03, load + 0.03);
    }

    private static double[] FcfsWaits((long Arrival, long Work)[] tasks, int servers)
    {
        var free = new PriorityQueue<long, long>();
        for (var i = 0; i < servers; i++)
        {
            free.Enqueue(0, 0);
        }

        var waits = new double[tasks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            var (arrival, work) = tasks[i];
            var at = free.Dequeue();
            var start = Math.Max(arrival, at);
            waits[i] = (start - arrival) / (double)TimeSpan.TicksPerSecond;
            free.Enqueue(start + work, start + work);
        }

        return waits;
    }
}
