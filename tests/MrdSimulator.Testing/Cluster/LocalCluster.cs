using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;

namespace MrdSimulator.Testing.Cluster;

/// <summary>A process of a local cluster as <c>deploy/local/cluster status</c> reports it.</summary>
/// <param name="State"><c>running</c>, <c>stopped</c> (stopped through the script) or <c>dead</c>.</param>
public sealed record ClusterProcessStatus(string Name, int? Pid, string State);

/// <summary>What one run of the script did.</summary>
public sealed record ScriptResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// A real multi-process cluster (Redis, silos, gateways, nginx on loopback) started and driven through
/// <c>deploy/local/cluster</c>, the way a user runs it, in a state directory of its own so that clusters can run side
/// by side. The simulator is the one this test build produced (the script is told not to build), so a test run builds
/// it once. Disposing runs <c>down</c> and deletes the state directory.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    // The script's own readiness bound, above its 90 s default: CI runs the other test projects beside this one on two cores.
    private const int ReadySeconds = 120;
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(ReadySeconds + 60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(ReadySeconds + 30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, Uri> _http = [];
    private readonly Dictionary<string, DnsEndPoint> _xmpp = [];
    private bool _disposed;

    private LocalCluster(string stateDirectory) => StateDirectory = stateDirectory;

    /// <summary>The repository this test build comes from (the folder holding Simulator.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Script => Path.Combine(RepositoryRoot, "deploy", "local", "cluster");

    /// <summary>The build configuration of this test build, which is the simulator's too (project references share it).</summary>
    public static string Configuration { get; } =
        typeof(LocalCluster).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>MRDSIM_CLUSTER_DIR of this cluster: its logs, records and Redis data.</summary>
    public string StateDirectory { get; }

    /// <summary>The nginx HTTP front.</summary>
    public Uri Gateway { get; private set; } = null!;

    /// <summary>The nginx XMPP (TCP) front.</summary>
    public DnsEndPoint Xmpp { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public DnsEndPoint Redis { get; private set; } = null!;

    /// <summary>Each silo's and gateway's own HTTP endpoint, by name (silo-1, gateway-2).</summary>
    public IReadOnlyDictionary<string, Uri> ProcessHttp => _http;

    /// <summary>Each gateway's own XMPP endpoint, by name.</summary>
    public IReadOnlyDictionary<string, DnsEndPoint> ProcessXmpp => _xmpp;

    /// <summary>What <c>up</c> printed.</summary>
    public string UpOutput { get; private set; } = "";

    /// <summary>Runs <c>up</c> with a fresh state directory and returns once the script says every process is ready.</summary>
    public static async Task<LocalCluster> StartAsync(int silos = 3, int gateways = 2, int? agents = null, IReadOnlyList<string>? extraArgs = null)
    {
        var cluster = new LocalCluster(Directory.CreateTempSubdirectory("mrdsim-cluster-").FullName);
        List<string> args = ["up", "--silos", Invariant(silos), "--gateways", Invariant(gateways)];
        if (agents is { } count)
        {
            args.AddRange(["--agents", Invariant(count)]);
        }

        if (extraArgs is { Count: > 0 })
        {
            args.Add("--");
            args.AddRange(extraArgs);
        }

        try
        {
            var up = await cluster.RunAsync(args, UpTimeout);
            if (up.ExitCode != 0)
            {
                throw new InvalidOperationException($"deploy/local/cluster up failed: {up}");
            }

            cluster.Parse(up.Stdout);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the script with this cluster's state directory; the script must finish within <paramref name="timeout"/>.</summary>
    public Task<ScriptResult> RunAsync(IReadOnlyList<string> args, TimeSpan? timeout = null) =>
        RunScriptAsync(args, new Dictionary<string, string?> { ["MRDSIM_CLUSTER_DIR"] = StateDirectory }, timeout ?? QuickTimeout);

    /// <summary>SIGKILL, as a crash.</summary>
    public Task KillAsync(string name) => CheckedAsync(["kill", name], QuickTimeout);

    /// <summary>Graceful stop (SIGTERM, SIGKILL after 30 s).</summary>
    public Task StopAsync(string name) => CheckedAsync(["stop", name], StopTimeout);

    /// <summary>Restarts a stopped or dead process on its recorded ports and waits until it is ready.</summary>
    public Task StartProcessAsync(string name) => CheckedAsync(["start", name], StartTimeout);

    public async Task DownAsync() => await CheckedAsync(["down"], StopTimeout * 2);

    public async Task<IReadOnlyList<ClusterProcessStatus>> StatusAsync()
    {
        var result = await CheckedAsync(["status"], QuickTimeout);
        return [.. Lines(result.Stdout).Select(line => line.Split(' ')).Select(f =>
            new ClusterProcessStatus(f[0], int.TryParse(f[1], CultureInfo.InvariantCulture, out var pid) ? pid : null, f[2]))];
    }

    /// <summary>The command line the script recorded for a process (and restarts it with).</summary>
    public IReadOnlyList<string> CommandLine(string name) =>
        File.ReadAllText(Path.Combine(StateDirectory, "procs", name, "argv")).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The pid the script recorded for a process.</summary>
    public int RecordedPid(string name) =>
        int.Parse(File.ReadAllText(Path.Combine(StateDirectory, "procs", name, "pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The last lines of a process's log (STATE/logs/NAME.log), for failure messages.</summary>
    public string LogTail(string name, int lines = 30)
    {
        var file = Path.Combine(StateDirectory, "logs", name + ".log");
        return File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : $"(no {file})";
    }

    /// <summary>A client of the nginx front authenticating as a demo user (password "password").</summary>
    public HttpClient ClientFor(string userId, Uri? baseAddress = null)
    {
        var client = new HttpClient { BaseAddress = baseAddress ?? Gateway, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userId}:password")));
        return client;
    }

    /// <summary>True while the process exists and is not a zombie (a killed process waits as one until reaped).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Processes whose parent is <paramref name="pid"/> (nginx's workers).</summary>
    public static IReadOnlyList<int> ChildrenOf(int pid) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(d => d!.All(char.IsAsciiDigit))
            .Select(d => int.Parse(d!, CultureInfo.InvariantCulture))
            .Where(child => ParentOf(child) == pid)];

    /// <summary>Runs the script with extra environment (null removes a variable); it must finish within <paramref name="timeout"/>.</summary>
    public static async Task<ScriptResult> RunScriptAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // This test build's simulator, not a second build per cluster.
        start.Environment["MRDSIM_CLUSTER_NO_BUILD"] = "1";
        start.Environment["MRDSIM_CLUSTER_CONFIGURATION"] = Configuration;
        start.Environment["MRDSIM_CLUSTER_READY_TIMEOUT"] = ReadySeconds.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"deploy/local/cluster {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var down = await RunAsync(["down"], StopTimeout * 2);
        if (down.ExitCode == 0)
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        else
        {
            // Kept for a look at the logs; the test that disposed it reports the failure.
            Console.Error.WriteLine($"deploy/local/cluster down failed; logs kept in {StateDirectory}: {down}");
        }
    }

    private async Task<ScriptResult> CheckedAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        var result = await RunAsync(args, timeout);
        if (result.ExitCode != 0)
        {
            var name = args.Count > 1 ? args[1] : null;
            throw new InvalidOperationException(
                $"deploy/local/cluster {string.Join(' ', args)} failed: {result}{(name is null ? "" : $"\nend of {name}.log:\n{LogTail(name)}")}");
        }

        return result;
    }

    private void Parse(string output)
    {
        UpOutput = output;
        foreach (var fields in Lines(output).Select(line => line.Split(' ')))
        {
            switch (fields)
            {
                case ["gateway", var url]:
                    Gateway = new Uri(url);
                    break;
                case ["xmpp", var endpoint]:
                    Xmpp = EndPoint(endpoint);
                    break;
                case ["admin-token", var token]:
                    AdminToken = token;
                    break;
                case ["redis", var endpoint]:
                    Redis = EndPoint(endpoint);
                    break;
                case [var name, var url] when name.StartsWith("silo-", StringComparison.Ordinal):
                    _http[name] = new Uri(url);
                    break;
                case [var name, var url, "xmpp", var endpoint] when name.StartsWith("gateway-", StringComparison.Ordinal):
                    _http[name] = new Uri(url);
                    _xmpp[name] = EndPoint(endpoint);
                    break;
                default:
                    break;
            }
        }

        if (Gateway is null || Xmpp is null || AdminToken.Length == 0 || Redis is null)
        {
            throw new InvalidOperationException($"deploy/local/cluster up did not print the gateway, xmpp, admin-token and redis lines:\n{output}");
        }
    }

    private static DnsEndPoint EndPoint(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        return new DnsEndPoint(hostPort[..colon], int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Simulator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Simulator.sln above {AppContext.BaseDirectory}");
    }
}
