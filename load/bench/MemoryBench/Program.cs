using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

// Signs in N agent×MRD pairs through the simulator's REST API (PUT Media LOGIN, demo agents 1000.. across MRDs
// 5000-5002) and reports the simulator process's resident memory: current and peak (VmRSS, VmHWM), per pair.
// Usage: MemoryBench <base-url> <simulator-pid> [pairs] [connections]
var baseUrl = new Uri(args[0]);
var pid = int.Parse(args[1], CultureInfo.InvariantCulture);
var pairs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
var connections = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
int[] mrds = [5000, 5001, 5002];

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseCookies = false }) { BaseAddress = baseUrl };
var body = "<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>"u8.ToArray();
var (before, _) = Memory(pid);
Console.WriteLine($"simulator pid {pid} before sign-in: RSS {before / 1048576.0:N0} MiB");

var clock = Stopwatch.StartNew();
var next = -1;
var refused = 0L;
await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < pairs)
    {
        var user = (1000 + i / mrds.Length).ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/finesse/api/User/{user}/Media/{mrds[i % mrds.Length]}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(user + ":password")));
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            Interlocked.Increment(ref refused);
        }

        if (i % 100_000 == 0 && i > 0)
        {
            Console.WriteLine($"  {i:N0} pairs, {i / clock.Elapsed.TotalSeconds:N0}/s, RSS {Memory(pid).Rss / 1048576.0:N0} MiB");
        }
    }
}));
var seconds = clock.Elapsed.TotalSeconds;
await Task.Delay(TimeSpan.FromSeconds(5));
var (rss, peak) = Memory(pid);
Console.WriteLine($"signed in {pairs:N0} pairs in {seconds:N1} s ({pairs / seconds:N0} sign-ins/s); answers other than 202: {refused}");
Console.WriteLine($"RSS {rss / 1048576.0:N0} MiB, peak {peak / 1048576.0:N0} MiB; {rss / (double)pairs:N0} bytes per pair (peak {peak / (double)pairs:N0})");
return refused == 0 ? 0 : 1;

static (long Rss, long Peak) Memory(int pid)
{
    long rss = 0, peak = 0;
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            rss = Kib(line);
        }
        else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            peak = Kib(line);
        }
    }

    return (rss, peak);

    static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
