using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MrdSimulator.Load.Chaos;

/// <summary>A fault window of the simulator's chaos plan, in seconds from the start of the load run.</summary>
public sealed record FaultWindow(string Id, string Kind, string Scope, double StartSeconds, double? EndSeconds, long Injected);

/// <summary>
/// Runs a chaos plan alongside a scenario: <c>POST /admin/chaos/plan</c> before the load starts and
/// <c>GET /admin/chaos/timeline</c> after it, so the report can shade the fault windows (docs/chaos.md).
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
                Math.Max(0, w.GetProperty("startOffsetSeconds").GetDouble() + shift), end, w.GetProperty("injected").GetInt64()));
        }

        if (stop)
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, "/admin/chaos/plan");
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var _ = await _http.SendAsync(delete, cancellationToken);
        }

        return windows;
    }

    public void Dispose() => _http.Dispose();

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
