using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MrdSimulator.Cluster.Tests;

/// <summary>
/// deploy/docker and deploy/k8s cannot run here (no container images can be pulled), so they are held to the local
/// cluster, which does run: they must parse, and give silos and gateways the switches the script gives them.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed partial class DeploymentFilesTests(SharedClusterFixture fixture)
{
    // Inside a container network admin calls come through nginx or a Service from another address, not loopback.
    private const string DeploymentOnlyGatewaySwitch = "--admin-allow-remote";

    private static readonly string Deploy = Path.Combine(LocalCluster.RepositoryRoot, "deploy");

    // Paths and process management that only the generated local nginx.conf needs (its own prefix, pid, logs, module).
    private static readonly HashSet<string> LocalOnlyNginxDirectives =
        ["daemon", "pid", "error_log", "load_module", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"];

    private static readonly string[] SiloNames = ["silo-1", "silo-2", "silo-3"];

    private static readonly string[] GatewayNames = ["gateway-1", "gateway-2"];

    public static TheoryData<string> KubernetesFiles() =>
        [.. Directory.EnumerateFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Select(f => Path.GetFileName(f)).Order()];

    [Fact]
    public void ComposeParsesWithRedisThreeSilosTwoGatewaysAndNginx()
    {
        var services = ComposeServices();

        Assert.Equal(["gateway-1", "gateway-2", "nginx", "redis", "silo-1", "silo-2", "silo-3"], services.Keys.Order());
        foreach (var name in SiloNames.Concat(GatewayNames))
        {
            var switches = SwitchValues(Tokens(services[name]));
            Assert.Equal(name, switches["--node-name"]);
            Assert.Equal(name.StartsWith("silo", StringComparison.Ordinal) ? "silo" : "gateway", switches["--role"]);
            Assert.Equal("redis:6379", switches["--redis"]);
        }
    }

    [Theory]
    [MemberData(nameof(KubernetesFiles))]
    public void EveryKubernetesFileParsesIntoNamespaceFreeResources(string file)
    {
        var documents = LoadYaml(Path.Combine(Deploy, "k8s", file)).Documents;

        Assert.NotEmpty(documents);
        foreach (var root in documents.Select(d => (YamlMappingNode)d.RootNode))
        {
            Assert.True(root.Children.ContainsKey("apiVersion") && root.Children.ContainsKey("kind"), $"{file}: a document without apiVersion and kind");
            Assert.False(root.Children.TryGetValue("metadata", out var metadata) && ((YamlMappingNode)metadata).Children.ContainsKey("namespace"), $"{file} names a namespace");
        }
    }

    [Fact]
    public void ComposeSilosAndGatewaysGetTheSwitchesOfTheLocalCluster()
    {
        var services = ComposeServices();

        foreach (var silo in SiloNames)
        {
            Assert.Equal(LocalSwitches("silo-1"), SwitchNames(Tokens(services[silo])));
        }

        foreach (var gateway in GatewayNames)
        {
            Assert.Equal(LocalSwitches("gateway-1").Append(DeploymentOnlyGatewaySwitch).Order(), SwitchNames(Tokens(services[gateway])));
        }
    }

    [Fact]
    public void KubernetesSilosAndGatewaysGetTheSwitchesOfTheLocalClusterWithThreeAndTwoReplicas()
    {
        var workloads = KubernetesWorkloads();
        var silo = Assert.Single(workloads, w => SwitchValues(w.Tokens)["--role"] == "silo");
        var gateway = Assert.Single(workloads, w => SwitchValues(w.Tokens)["--role"] == "gateway");

        Assert.Equal(3, silo.Replicas);
        Assert.Equal(2, gateway.Replicas);
        Assert.Equal(LocalSwitches("silo-1"), SwitchNames(silo.Tokens));
        Assert.Equal(LocalSwitches("gateway-1").Append(DeploymentOnlyGatewaySwitch).Order(), SwitchNames(gateway.Tokens));
        Assert.Equal("$(POD_IP)", SwitchValues(silo.Tokens)["--advertised-address"]);
    }

    [Fact]
    public void TheLocalClusterGivesEveryProcessItsNameRoleAndTheSharedIdentity()
    {
        // What the comparisons above rest on: the script's own command lines, as recorded for restarts.
        foreach (var (name, role) in SiloNames.Select(n => (n, "silo")).Concat(GatewayNames.Select(n => (n, "gateway"))))
        {
            var switches = SwitchValues(fixture.Cluster.CommandLine(name));
            Assert.Equal(name, switches["--node-name"]);
            Assert.Equal(role, switches["--role"]);
            Assert.Equal("fast", switches["--failure-detection"]);
            Assert.Equal(fixture.Cluster.AdminToken, switches["--admin-token"]);
            Assert.Equal($"127.0.0.1:{fixture.Cluster.Redis.Port}", switches["--redis"]);
        }
    }

    [Fact]
    public void ComposeNginxConfigHasTheDirectivesOfTheGeneratedLocalOne()
    {
        var local = NginxStatements(File.ReadAllText(Path.Combine(fixture.Cluster.StateDirectory, "nginx", "nginx.conf")));
        var compose = NginxStatements(File.ReadAllText(Path.Combine(Deploy, "docker", "nginx.conf")));

        Assert.Equal(local.Where(s => !LocalOnlyNginxDirectives.Contains(s.Split(' ')[0])), compose);
    }

    [Fact]
    public async Task ComposeNginxConfigPassesNginxOwnCheck()
    {
        // nginx -t resolves upstream names, so the compose service names become loopback addresses; temp paths and the
        // stream module (built into the official image, a module on Debian) are set for this machine.
        var work = Directory.CreateTempSubdirectory("mrdsim-nginx-check-");
        try
        {
            var conf = GatewayAddress().Replace(File.ReadAllText(Path.Combine(Deploy, "docker", "nginx.conf")), "127.0.0.1:")
                .Replace("http {", $"http {{\n  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;", StringComparison.Ordinal);
            var file = Path.Combine(work.FullName, "nginx.conf");
            await File.WriteAllTextAsync(file, conf);
            var check = new System.Diagnostics.ProcessStartInfo("nginx", ["-t", "-p", work.FullName, "-c", file, "-e", Path.Combine(work.FullName, "error.log"),
                "-g", $"pid {work}/nginx.pid; load_module /usr/lib/nginx/modules/ngx_stream_module.so;"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var nginx = System.Diagnostics.Process.Start(check)!;
            var stderr = await nginx.StandardError.ReadToEndAsync();
            await nginx.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);

            Assert.True(nginx.ExitCode == 0, $"nginx -t: {stderr}");
            Assert.Contains("test is successful", stderr, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private IEnumerable<string> LocalSwitches(string process) => SwitchNames(fixture.Cluster.CommandLine(process));

    private static IEnumerable<string> SwitchNames(IEnumerable<string> tokens) =>
        tokens.SelectMany(t => SwitchName().Matches(t).Select(m => m.Value)).Distinct().Order();

    /// <summary>Each switch and the token after it.</summary>
    private static Dictionary<string, string> SwitchValues(IReadOnlyList<string> tokens) =>
        Enumerable.Range(0, tokens.Count - 1).Where(i => tokens[i].StartsWith("--", StringComparison.Ordinal)).ToDictionary(i => tokens[i], i => tokens[i + 1]);

    private static Dictionary<string, YamlMappingNode> ComposeServices()
    {
        var root = (YamlMappingNode)LoadYaml(Path.Combine(Deploy, "docker", "compose.yaml")).Documents.Single().RootNode;
        return ((YamlMappingNode)root["services"]).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value);
    }

    /// <summary>A compose service's entrypoint and command, as one list of words (a shell entrypoint's switches included).</summary>
    private static List<string> Tokens(YamlMappingNode service) =>
        [.. new[] { "entrypoint", "command" }.Where(k => service.Children.ContainsKey(k)).SelectMany(k => Scalars(service[k]))];

    private static List<(int Replicas, List<string> Tokens)> KubernetesWorkloads() =>
        [.. Directory.EnumerateFiles(Path.Combine(Deploy, "k8s"), "*.yaml")
            .SelectMany(f => LoadYaml(f).Documents)
            .Select(d => (YamlMappingNode)d.RootNode)
            .Where(r => ((YamlScalarNode)r["kind"]).Value is "Deployment" or "StatefulSet")
            .Select(r => (Spec: (YamlMappingNode)r["spec"], Containers: (YamlSequenceNode)r["spec"]["template"]["spec"]["containers"]))
            .Select(w => (int.Parse(((YamlScalarNode)w.Spec["replicas"]).Value!, System.Globalization.CultureInfo.InvariantCulture),
                w.Containers.Cast<YamlMappingNode>().SelectMany(c => new[] { "command", "args" }.Where(k => c.Children.ContainsKey(k)).SelectMany(k => Scalars(c[k]))).ToList()))
            .Where(w => w.Item2.Contains("--role"))];

    private static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalarNode scalar => [scalar.Value ?? ""],
        YamlSequenceNode sequence => sequence.SelectMany(Scalars),
        _ => [],
    };

    private static YamlStream LoadYaml(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        return yaml;
    }

    /// <summary>nginx statements without comments, with every upstream or listen address made one placeholder.</summary>
    private static List<string> NginxStatements(string conf) =>
        [.. conf.Split('\n')
            .Select(line => line.Split('#')[0].Trim())
            .Where(line => line.Length > 0)
            .Select(line => Whitespace().Replace(line, " "))
            .Select(line => Address().Replace(line, "ADDRESS"))];

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex SwitchName();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?<=^(listen|server) )(127\.0\.0\.1:\d+|gateway-\d+:\d+|\d+)")]
    private static partial Regex Address();

    [GeneratedRegex(@"gateway-\d+:")]
    private static partial Regex GatewayAddress();
}
