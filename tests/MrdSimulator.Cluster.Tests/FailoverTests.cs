using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;
using Xunit.Abstractions;

namespace MrdSimulator.Cluster.Tests;

/// <summary>
/// What users of a cluster notice when a process fails or when they use two gateways at once: no notified state
/// lost, no 202 without its Update, Updates on every session of a user, chaos and admin calls cluster-wide.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class FailoverTests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>The bound the issue sets for a killed silo's agents to be operable again.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);

    private LocalCluster Cluster => fixture.Cluster;

    private Uri Gateway1 => Cluster.ProcessHttp["gateway-1"];

    private Uri Gateway2 => Cluster.ProcessHttp["gateway-2"];

    [Fact]
    public async Task AFaultAddedOnOneGatewayRefusesRequestsOnTheOtherUntilClearedThere()
    {
        using var admin1 = AdminClient(Gateway1);
        using var admin2 = AdminClient(Gateway2);
        using var onGateway1 = Cluster.ClientFor("1060", Gateway1);
        using var onGateway2 = Cluster.ClientFor("1060", Gateway2);
        using var neighbour = Cluster.ClientFor("1061", Gateway2);
        try
        {
            using var added = await admin1.PostAsync("/admin/faults", Json("""{"id":"cross-gateway","kind":"rest.unavailable","scope":{"users":["1060"]}}"""));
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);

            await Eventually.TrueAsync(
                async () => await StatusAsync(onGateway2, "/finesse/api/User/1060/Media") == HttpStatusCode.ServiceUnavailable,
                "gateway-2 to answer 503 for user 1060 after the fault was added on gateway-1", TimeSpan.FromSeconds(15));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(neighbour, "/finesse/api/User/1061/Media"));
            Assert.Contains("cross-gateway", await admin2.GetStringAsync("/admin/faults"), StringComparison.Ordinal);

            using var cleared = await admin2.DeleteAsync("/admin/faults/cross-gateway");
            Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
            await Eventually.TrueAsync(
                async () => await StatusAsync(onGateway1, "/finesse/api/User/1060/Media") == HttpStatusCode.OK,
                "gateway-1 to serve user 1060 again after the fault was cleared on gateway-2", TimeSpan.FromSeconds(15));
        }
        finally
        {
            using var _ = await admin1.DeleteAsync("/admin/faults");
        }
    }

    [Fact]
    public async Task EveryUpdateReachesTheUsersSessionsOnBothGatewaysOnceAndInOrder()
    {
        using var onGateway1 = Cluster.ClientFor("1070", Gateway1);
        using var onGateway2 = Cluster.ClientFor("1070", Gateway2);
        await using var stream1 = await NotificationStream.OpenAsync(onGateway1);
        await using var stream2 = await NotificationStream.OpenAsync(onGateway2);

        // Alternating reason codes: every one of these requests changes the Media object, so each has one Update.
        await AcceptedAsync(onGateway1, "1070", SimulatorHost.SignInBody, "x-login");
        var sent = new List<string> { "x-login" };
        for (var i = 0; i < 20; i++)
        {
            var id = $"x-{i}";
            await AcceptedAsync(i % 2 == 0 ? onGateway2 : onGateway1, "1070", NotReady(i), id);
            sent.Add(id);
        }

        Assert.Equal(sent, RequestIds(await stream1.TakeAsync(sent.Count, TimeSpan.FromSeconds(15))));
        Assert.Equal(sent, RequestIds(await stream2.TakeAsync(sent.Count, TimeSpan.FromSeconds(15))));
        Assert.Null(await stream1.NextAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Null(await stream2.NextAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task AnAgentSignedInThroughOneGatewayGetsItsUpdateOverXmppOnTheOther()
    {
        // slixmpp (the XMPP tests' client) on gateway-2's own XMPP port; the sign-in goes to gateway-1's REST port.
        var xmpp = Cluster.ProcessXmpp["gateway-2"];
        var info = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])[
            Path.Combine(LocalCluster.RepositoryRoot, "tests", "MrdSimulator.Xmpp.Tests", "clients", "slixmpp_client.py"),
            "--host", xmpp.Host, "--port", xmpp.Port.ToString(CultureInfo.InvariantCulture), "--jid", "1095@finesse.mrdsim.local/slixmpp",
            "--password", "password", "--pubsub", "pubsub.finesse.mrdsim.local", "--subscribe", "/finesse/api/User/1095/Media",
            "--expect", "1", "--linger", "1", "--timeout", "30"])
        {
            info.ArgumentList.Add(arg);
        }

        using var client = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var lines = new List<string>();
        async Task<string> LineStartingAsync(string prefix)
        {
            while (await client.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }

            throw new InvalidOperationException($"slixmpp ended before {prefix}: {string.Join('\n', lines)}\n{await client.StandardError.ReadToEndAsync()}");
        }

        try
        {
            await LineStartingAsync("READY");
            using var onGateway1 = Cluster.ClientFor("1095", Gateway1);
            await AcceptedAsync(onGateway1, "1095", SimulatorHost.SignInBody, "over-xmpp");

            await LineStartingAsync("DONE");
            var events = lines.Where(l => l.StartsWith("EVENT", StringComparison.Ordinal)).ToList();
            Assert.Single(events);
            Assert.Contains("over-xmpp", events[0], StringComparison.Ordinal);
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill();
            }
        }
    }

    [Fact]
    public async Task AThousandConflictingPutsThroughBothGatewaysReplayAsAValidSequence()
    {
        using var onGateway1 = Cluster.ClientFor("1080", Gateway1);
        using var onGateway2 = Cluster.ClientFor("1080", Gateway2);
        await using var stream = await NotificationStream.OpenAsync(onGateway1);
        var random = new Random(13);
        // LOGOUT is left out: the demo directory has LOGOUT reason codes, so a LOGOUT without one is a 400, not a conflict.
        int[] choices = [.. Enumerable.Range(0, MediaReplay.Requests.Length).Where(k => MediaReplay.Requests[k].Request.State != AgentState.Logout)];
        var kinds = Enumerable.Range(0, 1_000).Select(_ => choices[random.Next(choices.Length)]).ToArray();
        using var inFlight = new SemaphoreSlim(64);

        var statuses = await Task.WhenAll(kinds.Select(async (kind, i) =>
        {
            await inFlight.WaitAsync();
            try
            {
                using var response = await (i % 2 == 0 ? onGateway1 : onGateway2).PutXmlAsync(MediaPath("1080"), MediaReplay.Requests[kind].Body, $"c{i}");
                return response.StatusCode;
            }
            finally
            {
                inFlight.Release();
            }
        }));
        Assert.True(statuses.All(s => s == HttpStatusCode.Accepted), string.Join(", ", statuses.Select((s, i) => (s, i)).Where(p => p.s != HttpStatusCode.Accepted).Take(5).Select(p => $"c{p.i} {MediaReplay.Requests[kinds[p.i]].Body}: {(int)p.s}")));

        var updates = new List<string>();
        while (await stream.NextAsync(TimeSpan.FromSeconds(2)) is { } xml)
        {
            updates.Add(xml);
        }

        var mrd = DemoDirectory.Mrds.Single(m => m.Id == 5000);
        var final = MediaReplay.Verify(updates, kinds, mrd, DateTime.UtcNow);
        Assert.Equal(final.State.ToWire(), MediaElement(await onGateway2.GetStringAsync("/finesse/api/User/1080/Media/5000"), "state"));
    }

    [Fact]
    public async Task AKilledSiloLosesNoNotifiedStateAndNo202WithoutItsUpdateAndItsAgentsWorkAgainWithin30Seconds()
    {
        var users = Enumerable.Range(1100, 30).Select(u => u.ToString(CultureInfo.InvariantCulture)).ToArray();
        var agents = users.Select(u => new Agent(u, Cluster.ClientFor(u))).ToArray();
        try
        {
            foreach (var agent in agents)
            {
                await agent.OpenAsync();
                await AcceptedAsync(agent.Http, agent.User, SimulatorHost.SignInBody, $"{agent.User}-login");
                agent.Accepted.Enqueue($"{agent.User}-login");
            }

            using var stop = new CancellationTokenSource();
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var load = agents.Select(agent => agent.WorkAsync(killed.Task, stop.Token)).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(2));

            await Cluster.KillAsync("silo-3");
            var killedAt = Stopwatch.GetTimestamp();
            killed.SetResult();

            // Operable again: a PUT accepted after the kill whose Update arrived, for every agent.
            await Eventually.TrueAsync(
                () => agents.All(a => a.RecoveredAt is not null),
                $"every agent to have a PUT accepted and notified after silo-3 was killed (waiting: {string.Join(", ", agents.Where(a => a.RecoveredAt is null).Select(a => a.User))})",
                FailoverBound + TimeSpan.FromSeconds(15));
            var slowest = agents.Max(a => Stopwatch.GetElapsedTime(killedAt, a.RecoveredAt!.Value));
            output.WriteLine($"slowest agent operable again {slowest.TotalSeconds:0.0} s after the kill; answers: {string.Join(", ", agents.SelectMany(a => a.Statuses).GroupBy(s => s).Select(g => $"{(int)g.Key}×{g.Count()}"))}");
            Assert.True(slowest <= FailoverBound, $"the slowest agent was operable again only {slowest.TotalSeconds:0.0} s after the kill");

            await stop.CancelAsync();
            await Task.WhenAll(load);

            // A request in flight on the dead silo answers 503; nothing else but 202.
            Assert.All(agents.SelectMany(a => a.Statuses), s => Assert.True(s is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"answered {(int)s}"));

            // Every 202's Update arrives, except one the gateways counted as stale: published by an activation that a dead
            // silo's lost directory entry had duplicated, after the newer activation's (sessions never go back in time).
            for (var wait = Stopwatch.StartNew(); agents.Any(a => a.Unnotified().Count > 0) && wait.Elapsed < TimeSpan.FromSeconds(15);)
            {
                await Task.Delay(200);
            }

            var unnotified = agents.SelectMany(a => a.Unnotified()).ToList();
            var stale = await CounterAsync("mrdsim_notifications_stale_total");
            output.WriteLine($"accepted without an Update: {unnotified.Count} ({string.Join(", ", unnotified)}); stale Updates counted by the gateways: {stale}");
            Assert.True(unnotified.Count <= stale, $"accepted requests without an Update and not counted stale: {string.Join(", ", unnotified)} (stale: {stale}); the cluster's log says:\n{LogLines("Updates")}");

            foreach (var agent in agents)
            {
                // Once and in order: the request numbers of a user's Updates only go up.
                var numbers = agent.Notified().Skip(1).Select(id => int.Parse(id[(id.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture)).ToList();
                Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.First < p.Second), $"{agent.User}: Updates out of order or twice: {string.Join(", ", agent.Notified())}");

                // After failover, GET gives the last notified state.
                var media = await agent.Http.GetStringAsync($"/finesse/api/User/{agent.User}/Media/5000");
                Assert.Equal(MediaElement(agent.LastUpdate!, "reasonCodeId"), MediaElement(media, "reasonCodeId"));
                Assert.Equal(MediaElement(agent.LastUpdate!, "state"), MediaElement(media, "state"));
            }
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            if ((await Cluster.StatusAsync()).Single(s => s.Name == "silo-3").State != "running")
            {
                await Cluster.StartProcessAsync("silo-3");
            }
        }
    }

    [Fact]
    public async Task ASiloKillFaultAddedOnAGatewayKillsThatSiloAndTheClusterLogKeepsTheRecord()
    {
        using var admin = AdminClient(Gateway2);
        var pid = Cluster.RecordedPid("silo-1");
        try
        {
            using var added = await admin.PostAsync("/admin/faults", Json("""{"id":"kill-silo-1","kind":"silo.kill","target":"silo-1","at":"1s"}"""));
            Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());

            await Eventually.TrueAsync(() => !LocalCluster.IsAlive(pid), "silo-1 to be killed by its chaos fault", TimeSpan.FromSeconds(20));
            Assert.Equal("dead", (await Cluster.StatusAsync()).Single(s => s.Name == "silo-1").State);

            // The record was written to the cluster's log in Redis before the process died: any gateway reads it.
            using var other = AdminClient(Gateway1);
            var injections = await other.GetStringAsync("/admin/chaos/injections");
            Assert.Contains("kill-silo-1", injections, StringComparison.Ordinal);
            Assert.Contains("silo.kill silo-1", injections, StringComparison.Ordinal);

            using var user = Cluster.ClientFor("1150");
            await Eventually.TrueAsync(async () => await StatusAsync(user, "/finesse/api/User/1150/Media") == HttpStatusCode.OK,
                "REST through nginx after the chaos kill", FailoverBound);
        }
        finally
        {
            using var _ = await admin.DeleteAsync("/admin/faults");
            if ((await Cluster.StatusAsync()).Single(s => s.Name == "silo-1").State != "running")
            {
                await Cluster.StartProcessAsync("silo-1");
            }
        }
    }

    [Fact]
    public async Task AnXmppShiftThroughNginxAcrossASiloKillFromItsPlanLosesNothingTheKillDoesNotExplain()
    {
        var plan = Path.Combine(Cluster.StateDirectory, "silo-kill-plan.yaml");
        await File.WriteAllTextAsync(plan, """
            name: silo failover mid-shift
            seed: 3
            faults:
              - { id: kill-silo-2, kind: silo.kill, target: silo-2, at: 6s, duration: 20s }
            """);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[
            Path.Combine(LocalCluster.RepositoryRoot, "load", "MrdSimulator.Load", "bin", LocalCluster.Configuration, "net10.0", "mrdload.dll"),
            "run", "--builtin", "agent-shift", "-u", Cluster.Gateway.ToString().TrimEnd('/'), "--agents", "1200-1239", "--copies", "40", "-d", "30s",
            "--notifications", "xmpp", "--xmpp-host", Cluster.Xmpp.Host, "--xmpp-port", Cluster.Xmpp.Port.ToString(CultureInfo.InvariantCulture),
            "--max-fail-count", "0", "--chaos-plan", plan, "--admin-token", Cluster.AdminToken,
            "-t", "lost_notifications = 0", "-t", "duplicate_notifications = 0", "-t", "contradicting_notifications = 0",
            "-o", Path.Combine(Cluster.StateDirectory, "reports"), "--plain"])
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var mrdload = Process.Start(info)!;
            var stderr = mrdload.StandardError.ReadToEndAsync();
            var stdout = await mrdload.StandardOutput.ReadToEndAsync();
            await mrdload.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

            // Thresholds count what no fault explains; losses the kill caused are attributed to it.
            Assert.True(mrdload.ExitCode == 0, $"mrdload exited {mrdload.ExitCode}:\n{stdout}\n{await stderr}");
            Assert.Contains("threshold pass: lost_notifications = 0", stdout, StringComparison.Ordinal);
            Assert.Contains("threshold pass: contradicting_notifications = 0", stdout, StringComparison.Ordinal);
            Assert.Equal("dead", (await Cluster.StatusAsync()).Single(s => s.Name == "silo-2").State);
            output.WriteLine(string.Join('\n', stdout.Split('\n').Where(l => l.StartsWith("notifications:", StringComparison.Ordinal) || l.StartsWith("explained", StringComparison.Ordinal))));
        }
        finally
        {
            if ((await Cluster.StatusAsync()).Single(s => s.Name == "silo-2").State != "running")
            {
                await Cluster.StartProcessAsync("silo-2");
            }
        }
    }

    [Fact]
    public async Task AKilledGatewayDropsItsStreamsAndClientsReconnectThroughNginxAndContinue()
    {
        using var direct = Cluster.ClientFor("1140", Gateway1);
        using var front = Cluster.ClientFor("1140");
        try
        {
            await using (var doomed = await NotificationStream.OpenAsync(direct))
            {
                await AcceptedAsync(front, "1140", SimulatorHost.SignInBody, "gw-before");
                Assert.Contains("<requestId>gw-before</requestId>", await doomed.NextAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);

                await Cluster.KillAsync("gateway-1");
                Assert.True(await doomed.EndedAsync(TimeSpan.FromSeconds(10)), "the stream on the killed gateway is still open");
            }

            // Through nginx the reconnect lands on the surviving gateway, and the user carries on.
            NotificationStream? stream = null;
            await Eventually.TrueAsync(async () => (stream = await TryOpenAsync(front)) is not null, "a stream through nginx after gateway-1 was killed", TimeSpan.FromSeconds(15));
            await using (stream)
            {
                await AcceptedAsync(front, "1140", NotReady(1), "gw-after");
                Assert.Contains("<requestId>gw-after</requestId>", await stream!.NextAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
            }
        }
        finally
        {
            if ((await Cluster.StatusAsync()).Single(s => s.Name == "gateway-1").State != "running")
            {
                await Cluster.StartProcessAsync("gateway-1");
            }
        }
    }

    /// <summary>The lines of every process's log that hold <paramref name="text"/> (and the line after each), for failure messages.</summary>
    private string LogLines(string text) => string.Join('\n', Directory.EnumerateFiles(Path.Combine(Cluster.StateDirectory, "logs"), "*.log")
        .SelectMany(file =>
        {
            var lines = File.ReadAllLines(file);
            return lines.Select((line, i) => (line, i)).Where(l => l.line.Contains(text, StringComparison.Ordinal))
                .Select(l => $"{Path.GetFileNameWithoutExtension(file)}: {l.line.Trim()} {(l.i + 1 < lines.Length ? lines[l.i + 1].Trim() : "")}");
        }).Take(40));

    /// <summary>A counter summed over both gateways' <c>/metrics</c>.</summary>
    private async Task<long> CounterAsync(string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        long total = 0;
        foreach (var gateway in new[] { Gateway1, Gateway2 })
        {
            foreach (var line in (await http.GetStringAsync(new Uri(gateway, "/metrics"))).Split('\n'))
            {
                if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
                {
                    total += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    private HttpClient AdminClient(Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminToken);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string NotReady(int i) => $"<Media><state>NOT_READY</state><reasonCodeId>{(i % 2 == 0 ? 1001 : 1002)}</reasonCodeId></Media>";

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    private static string MediaPath(string user) => $"/finesse/api/User/{user}/Media/5000";

    private static async Task AcceptedAsync(HttpClient client, string user, string body, string requestId)
    {
        using var response = await client.PutXmlAsync(MediaPath(user), body, requestId);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{requestId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<NotificationStream?> TryOpenAsync(HttpClient client)
    {
        try
        {
            return await NotificationStream.OpenAsync(client);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static IEnumerable<string> RequestIds(IEnumerable<string> updates) => updates.Select(u => XElement.Parse(u).Element("requestId")!.Value);

    private static string MediaElement(string xml, string name) =>
        XElement.Parse(xml).DescendantsAndSelf("Media").Single().Element(name)?.Value ?? "";

    /// <summary>An agent working through a failover: PUTs one after another, each changing the Media object, and reads its stream.</summary>
    private sealed class Agent(string user, HttpClient http) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, byte> _sentAfterKill = new();
        private readonly List<string> _notified = [];
        private NotificationStream? _stream;
        private Task? _reader;
        private long _recoveredAt;

        public string User => user;

        public HttpClient Http => http;

        public ConcurrentQueue<string> Accepted { get; } = new();

        public ConcurrentQueue<HttpStatusCode> Statuses { get; } = new();

        public string? LastUpdate { get; private set; }

        /// <summary>When the Update of a PUT sent after the kill arrived: the agent works again.</summary>
        public long? RecoveredAt => Interlocked.Read(ref _recoveredAt) is var at and > 0 ? at : null;

        /// <summary>Accepted requests whose Update has not arrived.</summary>
        public IReadOnlyList<string> Unnotified()
        {
            var notified = Notified().ToHashSet();
            return [.. Accepted.Where(id => !notified.Contains(id))];
        }

        public IReadOnlyList<string> Notified()
        {
            lock (_notified)
            {
                return [.. _notified];
            }
        }

        public async Task OpenAsync()
        {
            _stream = await NotificationStream.OpenAsync(http);
            _reader = Task.Run(ReadAsync);
        }

        public async Task WorkAsync(Task killed, CancellationToken stop)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = $"{user}-{i}";
                if (killed.IsCompleted)
                {
                    _sentAfterKill[id] = 0;
                }

                try
                {
                    using var response = await http.PutXmlAsync(MediaPath(user), NotReady(i), id, cancellationToken: stop);
                    Statuses.Enqueue(response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        Accepted.Enqueue(id);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Cancelled by the test, not answered: neither accepted nor refused.
                    return;
                }

                await Task.Delay(100, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_stream is not null)
            {
                await _stream.DisposeAsync();
            }

            if (_reader is not null)
            {
                await _reader;
            }

            http.Dispose();
        }

        private async Task ReadAsync()
        {
            while (await _stream!.NextAsync(TimeSpan.FromMinutes(2)) is { } xml)
            {
                var id = XElement.Parse(xml).Element("requestId")!.Value;
                lock (_notified)
                {
                    _notified.Add(id);
                    LastUpdate = xml;
                }

                if (_sentAfterKill.ContainsKey(id))
                {
                    Interlocked.CompareExchange(ref _recoveredAt, Stopwatch.GetTimestamp(), 0);
                }
            }
        }
    }
}
