using System.Diagnostics;

namespace MrdSimulator.Cluster.Tests;

/// <summary>Starting and tearing down whole clusters: what <c>down</c> stops, and what <c>up</c> needs.</summary>
public sealed class ClusterLifecycleTests
{
    [Fact]
    public async Task DownStopsEveryProcessOfTheClusterAndNoOther()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 2, gateways: 1);
        // A pid the kernel handed to an unrelated process after silo-2 died: same program name even, so only the
        // recorded start time tells them apart.
        await cluster.KillAsync("silo-2");
        using var unrelated = Process.Start(new ProcessStartInfo("bash", ["-c", "exec -a dotnet sleep 300"]))!;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(cluster.StateDirectory, "procs", "silo-2", "pid"), $"{unrelated.Id}\n");
            string[] names = ["redis", "silo-1", "gateway-1", "nginx"];
            var pids = names.Select(cluster.RecordedPid).Concat(LocalCluster.ChildrenOf(cluster.RecordedPid("nginx"))).ToList();
            Assert.True(pids.Count > names.Length, "nginx has no worker processes");
            Assert.Equal("dead", (await cluster.StatusAsync()).Single(s => s.Name == "silo-2").State);

            await cluster.DownAsync();

            Assert.All(pids, pid => Assert.False(LocalCluster.IsAlive(pid), $"pid {pid} of the cluster still runs after down"));
            Assert.True(LocalCluster.IsAlive(unrelated.Id), "down killed an unrelated process whose pid a dead cluster process had");
            Assert.All(await cluster.StatusAsync(), s => Assert.NotEqual("running", s.State));
            // down again: nothing left to stop, and it says so without failing.
            await cluster.DownAsync();
        }
        finally
        {
            unrelated.Kill();
            await unrelated.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task DownWithoutAClusterSucceedsAndTouchesNothing()
    {
        var empty = Directory.CreateTempSubdirectory("mrdsim-cluster-empty-");
        try
        {
            var down = await LocalCluster.RunScriptAsync(["down"], new Dictionary<string, string?> { ["MRDSIM_CLUSTER_DIR"] = empty.FullName }, TimeSpan.FromSeconds(20));

            Assert.Equal(0, down.ExitCode);
            Assert.Empty(empty.EnumerateFileSystemInfos());
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AMissingRedisServerIsNamedWithItsPackageAndNothingStarts()
    {
        // Everything on PATH but redis-server, so that redis-server is the one thing the script can miss.
        var bin = Directory.CreateTempSubdirectory("mrdsim-path-");
        var state = Path.Combine(bin.FullName, "state");
        try
        {
            var linked = new HashSet<string> { "redis-server" };
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Where(Directory.Exists))
            {
                // The first directory on PATH with a name wins, as for the shell.
                foreach (var file in Directory.EnumerateFiles(dir).Where(f => linked.Add(Path.GetFileName(f))))
                {
                    File.CreateSymbolicLink(Path.Combine(bin.FullName, Path.GetFileName(file)), file);
                }
            }

            Assert.True(File.Exists(Path.Combine(bin.FullName, "bash")), "bash is not on PATH");
            var up = await LocalCluster.RunScriptAsync(
                ["up", "--silos", "1", "--gateways", "1"],
                new Dictionary<string, string?> { ["PATH"] = bin.FullName, ["MRDSIM_CLUSTER_DIR"] = state },
                TimeSpan.FromSeconds(30));

            Assert.Equal(1, up.ExitCode);
            Assert.Contains("missing redis-server (Debian package redis-server)", up.Stderr, StringComparison.Ordinal);
            Assert.Contains("scripts/install-test-deps.sh installs them", up.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("missing nginx", up.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(state), "up created a state directory although it could not start");
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }
}
