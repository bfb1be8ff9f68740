using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

// XMPP fan-out benchmark: N sessions (one per agent, each auto-subscribed to its Media node) receive the
// events of R REST state changes per second; prints sent, received, lost and PUT→event latency percentiles,
// and the server's RSS per idle session when --server-pid is given.
var options = Options.Parse(args);
var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.HttpConnections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseCookies = false,
    UseProxy = false,
})
{ BaseAddress = new Uri(options.Http), Timeout = TimeSpan.FromSeconds(30) };

var agents = Enumerable.Range(options.FirstAgent, options.Sessions).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
var auth = agents.Select(a => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{a}:{options.Password}")))).ToArray();

Console.WriteLine($"signing in {agents.Length} agents on MRD {options.Mrd}…");
await ForEachAsync(Enumerable.Range(0, agents.Length), 64, async i =>
{
    using var r = await PutAsync(i, "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>", "login-" + i);
    if (r.StatusCode != HttpStatusCode.Accepted)
    {
        throw new InvalidOperationException($"sign-in of {agents[i]}: {(int)r.StatusCode}");
    }
});

var rssBefore = Rss(options.ServerPid);
Console.WriteLine($"opening {agents.Length} XMPP sessions to 127.0.0.1:{options.XmppPort}…");
var sessionsWatch = Stopwatch.StartNew();
var sent = new long[options.Rate * options.DurationSeconds + 1];
var received = new long[sent.Length];
var sessions = new Session[agents.Length];
await ForEachAsync(Enumerable.Range(0, agents.Length), 100, async i =>
{
    sessions[i] = await Session.OpenAsync(options, agents[i], received);
});
Console.WriteLine($"{agents.Length} sessions bound in {sessionsWatch.Elapsed.TotalSeconds:F1} s");
await Task.Delay(3000);
GC.Collect();
var rssAfter = Rss(options.ServerPid);
if (rssBefore > 0)
{
    Console.WriteLine($"server RSS {rssBefore / 1048576.0:F1} MiB → {rssAfter / 1048576.0:F1} MiB: {(rssAfter - rssBefore) / (double)agents.Length / 1024:F1} KiB per idle session");
}

foreach (var s in sessions)
{
    s.StartReading();
}

var toggles = new bool[agents.Length];

// Warm-up (JIT tiers, connection pool): two seconds at the full rate, not measured.
Console.WriteLine($"warming up at {options.Rate}/s for 2 s…");
var warmWatch = Stopwatch.StartNew();
var warm = new List<Task>();
for (var w = 0; w < options.Rate * 2; w++)
{
    var due = TimeSpan.FromSeconds((double)w / options.Rate);
    if (due - warmWatch.Elapsed > TimeSpan.FromMilliseconds(2))
    {
        await Task.Delay(due - warmWatch.Elapsed);
    }

    var agent = w % agents.Length;
    var ready = toggles[agent] = !toggles[agent];
    warm.Add(Task.Run(async () =>
    {
        using var r = await PutAsync(agent, ready ? "<Media><state>READY</state></Media>" : "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>", "warm");
    }));
}

await Task.WhenAll(warm);
await Task.Delay(1000);
Console.WriteLine($"publishing {options.Rate}/s for {options.DurationSeconds} s (READY / NOT_READY alternating)…");
var total = options.Rate * options.DurationSeconds;
var httpErrors = 0L;
var inFlight = 0L;
var maxInFlight = 0L;
var tasks = new List<Task>(total);
var clock = Stopwatch.StartNew();
for (var seq = 1; seq <= total; seq++)
{
    // Open loop: request seq is due at seq / rate seconds, whatever earlier requests are doing.
    var due = TimeSpan.FromSeconds((double)seq / options.Rate);
    var wait = due - clock.Elapsed;
    if (wait > TimeSpan.FromMilliseconds(2))
    {
        await Task.Delay(wait);
    }

    var agent = seq % agents.Length;
    var ready = toggles[agent] = !toggles[agent];
    var body = ready ? "<Media><state>READY</state></Media>" : "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>";
    var current = seq;
    tasks.Add(Task.Run(async () =>
    {
        var n = Interlocked.Increment(ref inFlight);
        if (n > Interlocked.Read(ref maxInFlight))
        {
            Interlocked.Exchange(ref maxInFlight, n);
        }

        Volatile.Write(ref sent[current], Stopwatch.GetTimestamp());
        try
        {
            using var r = await PutAsync(agent, body, "b-" + current.ToString(CultureInfo.InvariantCulture));
            if (r.StatusCode != HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref httpErrors);
                Volatile.Write(ref sent[current], 0);
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref httpErrors);
            Volatile.Write(ref sent[current], 0);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }));
}

var sendSeconds = clock.Elapsed.TotalSeconds;
await Task.WhenAll(tasks);
await Task.Delay(TimeSpan.FromSeconds(3));

var latencies = new List<double>(total);
long accepted = 0, got = 0, lost = 0;
for (var seq = 1; seq <= total; seq++)
{
    if (sent[seq] == 0)
    {
        continue;
    }

    accepted++;
    if (received[seq] == 0)
    {
        lost++;
        continue;
    }

    got++;
    latencies.Add(Stopwatch.GetElapsedTime(sent[seq], received[seq]).TotalMilliseconds);
}

latencies.Sort();
double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
var closed = sessions.Count(s => s.Closed);
Console.WriteLine();
Console.WriteLine($"sessions        {sessions.Length} (closed during run: {closed})");
Console.WriteLine($"offered rate    {options.Rate}/s for {options.DurationSeconds} s (sending took {sendSeconds:F1} s, max in flight {maxInFlight})");
Console.WriteLine($"sent            {accepted} (HTTP errors {httpErrors})");
Console.WriteLine($"received        {got}");
Console.WriteLine($"lost            {lost}");
Console.WriteLine($"duplicates      {sessions.Sum(s => s.Duplicates)}");
Console.WriteLine($"latency ms      p50 {P(0.50):F2}  p90 {P(0.90):F2}  p99 {P(0.99):F2}  p99.9 {P(0.999):F2}  max {(latencies.Count > 0 ? latencies[^1] : double.NaN):F2}");
foreach (var s in sessions)
{
    s.Dispose();
}

return lost == 0 && httpErrors == 0 && closed == 0 ? 0 : 1;

Task<HttpResponseMessage> PutAsync(int agent, string body, string requestId)
{
    var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{agents[agent]}/Media/{options.Mrd}")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/xml"),
    };
    request.Headers.Authorization = auth[agent];
    request.Headers.Add("requestId", requestId);
    return http.SendAsync(request);
}

static async Task ForEachAsync(IEnumerable<int> items, int parallelism, Func<int, Task> action) =>
    await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) => await action(i));

static long Rss(int pid)
{
    if (pid <= 0)
    {
        return 0;
    }

    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}

internal sealed record Options(string Http, int XmppPort, string Domain, int Sessions, int FirstAgent, int Rate, int DurationSeconds, int Mrd, string Password, int ServerPid, int HttpConnections)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        string S(string key, string fallback) => map.GetValueOrDefault(key, fallback);
        int I(string key, int fallback) => map.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(S("http", "http://127.0.0.1:5080"), I("xmpp-port", 5222), S("domain", "finesse.mrdsim.local"), I("sessions", 10_000),
            I("first-agent", 1000), I("rate", 5000), I("duration", 20), I("mrd", 5000), S("password", "password"), I("server-pid", 0), I("http-connections", 128));
    }
}

/// <summary>One XMPP session: PLAIN over TCP, bind, then scan incoming bytes for "requestId&amp;gt;b-N".</summary>
internal sealed class Session : IDisposable
{
    private static readonly byte[] Marker = "requestId&gt;b-"u8.ToArray();
    private readonly Socket _socket;
    private readonly long[] _received;
    private bool _closed;

    private Session(Socket socket, long[] received)
    {
        _socket = socket;
        _received = received;
    }

    public bool Closed => Volatile.Read(ref _closed);

    public long Duplicates { get; private set; }

    public static async Task<Session> OpenAsync(Options options, string user, long[] received)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, options.XmppPort);
        var open = $"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{options.Domain}' version='1.0'>";
        var buffer = new byte[8192];
        await SendAsync(socket, open);
        await ReadUntilAsync(socket, buffer, "</stream:features>");
        await SendAsync(socket, $"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{options.Password}"))}</auth>");
        await ReadUntilAsync(socket, buffer, "<success");
        await SendAsync(socket, open);
        await ReadUntilAsync(socket, buffer, "</stream:features>");
        await SendAsync(socket, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq><presence/>");
        await ReadUntilAsync(socket, buffer, "</iq>");
        return new Session(socket, received);
    }

    public void StartReading() => _ = ReadLoopAsync();

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var kept = 0;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(kept), SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                var now = Stopwatch.GetTimestamp();
                var span = buffer.AsSpan(0, kept + n);
                var consumed = 0;
                while (true)
                {
                    var at = span[consumed..].IndexOf(Marker);
                    if (at < 0)
                    {
                        break;
                    }

                    var start = consumed + at + Marker.Length;
                    var end = span[start..].IndexOf((byte)'&');
                    if (end < 0)
                    {
                        consumed = consumed + at;
                        goto keep;
                    }

                    if (Utf8Parser.TryParse(span.Slice(start, end), out int seq, out _) && seq < _received.Length)
                    {
                        if (Interlocked.CompareExchange(ref _received[seq], now, 0) != 0)
                        {
                            Duplicates++;
                        }
                    }

                    consumed = start + end;
                }

                // Keep a tail that may hold the start of a marker cut by the read.
                consumed = Math.Max(consumed, span.Length - Marker.Length - 12);
            keep:
                kept = span.Length - consumed;
                span[consumed..].CopyTo(buffer);
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        Volatile.Write(ref _closed, true);
    }

    private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None);

    private static async Task ReadUntilAsync(Socket socket, byte[] buffer, string marker)
    {
        var text = new StringBuilder();
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("closed during sign-in: " + text);
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
    }

    public void Dispose() => _socket.Dispose();
}
