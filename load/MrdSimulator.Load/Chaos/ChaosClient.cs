using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MrdSimulator.Load.Chaos;

/// <summary>A fault window of the simulator's chaos plan, in seconds from the start of the load run.</summary>
public sealed record FaultWindow(string Id, string Kind, string Scope, double StartSeconds, double? EndSeconds, long Injected)
{
    /// <summary>Updates the simulator recorded as costed by this fault (dropped, or lost with the sessions it cut).</summary>
    public long Undelivered { get; init; }

    /// <summary>What the load saw during the window (null when the run had no correlation).</summary>
    public FaultWindowLoad? Load { get; init; }
}

/// <summary>
/// What the load saw during one fault window: requests sent and failed (from the per-second intervals that
/// fall in the window), and the lost and contradicting notifications explained by this fault (by requestId),
/// plus the unexplained lost ones whose request was sent during it.
/// </summary>
public sealed record FaultWindowLoad(
    long Requests,
    long FailedRequests,
    long NotificationsOk,
    long NotificationsFailed,
    long LostExplained,
    long ContradictingExplained,
    long LostUnexplainedSentDuring)
{
    /// <summary>Of <see cref="Requests"/>, the retries (attempts after a first one failed; the <c>.retry</c> steps).</summary>
    public long Retries { get; init; }
}

/// <summary>One record of <c>GET /admin/chaos/drops</c>: an Update a fault cost (docs/chaos.md).</summary>
public sealed record DropRecord(
    long Sequence,
    DateTimeOffset At,
    string Reason,
    string FaultId,
    string FaultKind,
    string UserId,
    string? RequestId,
    string? Source,
    string? State);

/// <summary>The records after a cursor, and what the simulator's clock said (to map <c>at</c> to the driver's).</summary>
public sealed record DropBatch(IReadOnlyList<DropRecord> Records, long Next, long Missed, DateTimeOffset ServerNow, DateTimeOffset SentAt, DateTimeOffset ReceivedAt)
{
    /// <summary>The cluster's process faults that have started (nobody records the Updates a killed process took with it).</summary>
    public IReadOnlyList<ProcessFaultWindow> ProcessWindows { get; init; } = [];
}

/// <summary>A <c>silo.kill</c> or <c>gateway.kill</c> window in the simulator's time; <paramref name="End"/> null while open.</summary>
public sealed record ProcessFaultWindow(string Id, string Kind, DateTimeOffset Start, DateTimeOffset? End)
{
    public static bool IsProcessKind(string kind) => kind is "silo.kill" or "gateway.kill";
}

/// <summary>
/// Runs a chaos plan alongside a scenario: <c>POST /admin/chaos/plan</c> before the load starts and
/// <c>GET /admin/chaos/timeline</c> after it, so the report can shade the fault windows; reads
/// <c>GET /admin/chaos/drops</c> so that lost notifications can be told from faults (docs/chaos.md).
/// </summary>
public sealed class ChaosClient(string baseUrl, string adminToken) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    private DateTimeOffset _planStartedAt;

    /// <summary>Loads and starts the plan now; throws <see cref="InvalidOperationException"/> with the simulator's reason when it is refused.</summary>
    public async Task StartPlanAsync(string planFile, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(planFile, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/chaos/plan?name=" + Uri.EscapeDataString(Path.GetFileName(planFile)))
        {
            Content = new StringContent(text, Encoding.UTF8, "application/yaml"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var reason = TryError(body) ?? body;
            throw new InvalidOperationException($"the simulator refused the chaos plan ({(int)response.StatusCode}): {reason}");
        }

        _planStartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The plan's windows relative to <paramref name="runStartedAt"/>; stops the plan when <paramref name="stop"/>.</summary>
    public async Task<IReadOnlyList<FaultWindow>> TimelineAsync(DateTimeOffset runStartedAt, bool stop, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/chaos/timeline");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var shift = (_planStartedAt - runStartedAt).TotalSeconds;
        var windows = new List<FaultWindow>();
        foreach (var w in json.RootElement.GetProperty("windows").EnumerateArray())
        {
            if (w.GetProperty("source").GetString() != "plan" || w.GetProperty("startOffsetSeconds").ValueKind != JsonValueKind.Number
                || w.GetProperty("status").GetString() == "scheduled")
            {
                continue;
            }

            double? end = w.GetProperty("endOffsetSeconds").ValueKind == JsonValueKind.Number ? w.GetProperty("endOffsetSeconds").GetDouble() + shift : null;
            windows.Add(new FaultWindow(
                w.GetProperty("id").GetString()!, w.GetProperty("kind").GetString()!, w.GetProperty("scope").GetString()!,
                Math.Max(0, w.GetProperty("startOffsetSeconds").GetDouble() + shift), end, w.GetProperty("injected").GetInt64())
            {
                Undelivered = w.TryGetProperty("undelivered", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt64() : 0,
            });
        }

        if (stop)
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, "/admin/chaos/plan");
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var _ = await _http.SendAsync(delete, cancellationToken);
        }

        return windows;
    }

    /// <summary>
    /// The simulator's records of Updates its faults cost, after sequence <paramref name="since"/> (all pages),
    /// limited to this run's requestIds (<paramref name="requestIdPrefix"/>) and Updates no request caused.
    /// </summary>
    public async Task<DropBatch> DropsAsync(long since, string? requestIdPrefix, CancellationToken cancellationToken)
    {
        const int Limit = 10_000;
        var records = new List<DropRecord>();
        var missed = 0L;
        var sentAt = DateTimeOffset.UtcNow;
        DateTimeOffset serverNow;
        DateTimeOffset receivedAt;
        while (true)
        {
            var query = $"/admin/chaos/drops?since={since}&limit={Limit}" + (requestIdPrefix is null ? "" : "&requestIdPrefix=" + Uri.EscapeDataString(requestIdPrefix));
            using var request = new HttpRequestMessage(HttpMethod.Get, query);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            var pageSent = DateTimeOffset.UtcNow;
            using var response = await _http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            receivedAt = DateTimeOffset.UtcNow;
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET /admin/chaos/drops answered {(int)response.StatusCode}: {TryError(body) ?? body}", null, response.StatusCode);
            }

            var page = JsonSerializer.Deserialize<DropsPage>(body, Web) ?? throw new JsonException("empty drops page");
            if (records.Count == 0)
            {
                sentAt = pageSent;
            }

            serverNow = page.Now;
            missed += page.Missed;
            records.AddRange(page.Drops);
            if (page.Next <= since || page.Next >= page.Total)
            {
                since = Math.Max(since, page.Next);
                break;
            }

            since = page.Next;
        }

        return new DropBatch(records, since, missed, serverNow, sentAt, receivedAt) { ProcessWindows = await ProcessWindowsAsync(cancellationToken) };
    }

    /// <summary>The process faults (<c>silo.kill</c>, <c>gateway.kill</c>) whose window has opened, from the timeline.</summary>
    public async Task<IReadOnlyList<ProcessFaultWindow>> ProcessWindowsAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/chaos/timeline");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var windows = new List<ProcessFaultWindow>();
        foreach (var w in json.RootElement.GetProperty("windows").EnumerateArray())
        {
            if (ProcessFaultWindow.IsProcessKind(w.GetProperty("kind").GetString() ?? "") && w.GetProperty("start").ValueKind == JsonValueKind.String)
            {
                windows.Add(new ProcessFaultWindow(
                    w.GetProperty("id").GetString()!, w.GetProperty("kind").GetString()!, w.GetProperty("start").GetDateTimeOffset(),
                    w.GetProperty("end").ValueKind == JsonValueKind.String ? w.GetProperty("end").GetDateTimeOffset() : null));
            }
        }

        return windows;
    }

    /// <summary>The sequence of the newest drop record (a run reads only what comes after it).</summary>
    public async Task<long> DropsPositionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/chaos/drops?limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET /admin/chaos/drops answered {(int)response.StatusCode}: {TryError(body) ?? body}", null, response.StatusCode);
        }

        return (JsonSerializer.Deserialize<DropsPage>(body, Web) ?? throw new JsonException("empty drops page")).Next;
    }

    public void Dispose() => _http.Dispose();

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private sealed record DropsPage(DateTimeOffset Now, long Total, long Missed, long Next, IReadOnlyList<DropRecord> Drops);

    private static string? TryError(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
