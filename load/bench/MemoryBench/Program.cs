using System.Diagnostics;
using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using MrdSimulator.Grains;

// Signs in N agent×MRD pairs through the grains (the path a PUT takes, minus HTTP) and reports the
// process's resident memory, so the per-pair cost of activation + state + storage is measured whole.
var pairs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var mrds = DemoDirectory.Mrds.Where(m => !m.IsVoice).Select(m => m.Id).ToArray();
var agents = (pairs + mrds.Length - 1) / mrds.Length;

var directory = DemoDirectory.Create(agents);
await using var silo = new Silo(directory);
var baseline = Settle();
Console.WriteLine($"directory of {agents:N0} agents loaded: RSS {baseline / 1048576.0:N0} MiB");

var clock = Stopwatch.StartNew();
var signedIn = 0;
var login = MediaRequest.Login(3, InterruptAction.Accept, DialogLogoutAction.Close);
await Parallel.ForEachAsync(directory.Users.Where(u => u.Role == UserRole.Agent).Take(agents), async (user, _) =>
{
    foreach (var mrd in mrds)
    {
        if (Interlocked.Increment(ref signedIn) > pairs)
        {
            return;
        }

        var outcome = await silo.GetMediaGrain(user.Id, mrd).ApplyAsync(login, null);
        if (outcome.State.State != AgentState.NotReady)
        {
            throw new InvalidOperationException($"{user.Id}/{mrd} did not sign in");
        }
    }
});
var total = Settle();
var active = silo.MediaGrains.ActivationCount;
Console.WriteLine($"signed in {active:N0} pairs in {clock.Elapsed.TotalSeconds:N1} s");
Console.WriteLine($"RSS total {total / 1048576.0:N0} MiB; above the directory {(total - baseline) / 1048576.0:N0} MiB");
Console.WriteLine($"bytes per signed-in pair: {(total - baseline) / (double)active:N0} (whole process: {total / (double)active:N0})");
Console.WriteLine(total < 1.5 * 1024 * 1024 * 1024 ? "PASS: under 1.5 GB" : "FAIL: 1.5 GB or more");
return total < 1.5 * 1024 * 1024 * 1024 ? 0 : 1;

static long Settle()
{
    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    return self.WorkingSet64;
}
