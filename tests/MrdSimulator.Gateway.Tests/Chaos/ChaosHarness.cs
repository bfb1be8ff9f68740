using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.Grains.Messaging;

namespace MrdSimulator.Gateway.Tests.Chaos;

/// <summary>The real gateway (in-memory server, fake clock) with an admin client holding the start-up token.</summary>
public sealed class ChaosHarness : IAsyncDisposable
{
    /// <param name="xmpp">Start the XMPP TCP listener (on a free port).</param>
    /// <param name="settings">Configuration settings for the host (e.g. <c>Chaos:DropsCapacity</c>).</param>
    public ChaosHarness(SimulatorDirectory? directory = null, bool xmpp = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Factory = new SimulatorFactory
        {
            Settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Simulator:Xmpp:Port"] = xmpp ? "0" : "-1" },
            Directory = directory ?? DemoDirectory.Create(20, supervisors: 0),
        };
        Admin = Factory.CreateClient();
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Engine.Options.AdminToken);
    }

    public SimulatorFactory Factory { get; }

    public HttpClient Admin { get; }

    public ChaosEngine Engine => Factory.Services.GetRequiredService<ChaosEngine>();

    public HttpClient Agent(string id) => Factory.ClientFor(id, Factory.Directory!.FindUser(id)!.Password);

    public static string MediaUri(string user, int mrd) => $"/finesse/api/User/{user}/Media/{mrd}";

    /// <summary>Adds faults through the admin API (JSON or YAML) and returns the response JSON.</summary>
    public async Task<JsonElement> AddAsync(string body)
    {
        using var response = await Admin.PostAsync("/admin/faults", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {json}");
        return json;
    }

    public async Task<JsonElement> StartPlanAsync(string yaml)
    {
        using var response = await Admin.PostAsync("/admin/chaos/plan", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {json}");
        return json;
    }

    public async Task ClearAsync()
    {
        using var response = await Admin.DeleteAsync("/admin/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Moves the simulator's clock and waits for the fault windows it opened or closed.</summary>
    /// <summary>
    /// Moves the clock once every Update already published has reached the hub (the grains deliver through the silo's
    /// outbox after answering), so a hold or delay a fault starts is on the clock before it moves.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        await Factory.Services.GetRequiredService<GrainOutbox>().FlushAsync();
        Factory.Time.Advance(by);
        await Engine.SettleAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Factory.DisposeAsync();
    }
}

/// <summary>A <c>GET /notifications</c> reader that also reports when the server cut the stream.</summary>
public sealed class SseSession : IAsyncDisposable
{
    private readonly Channel<string> _updates = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;

    private SseSession(HttpResponseMessage response)
    {
        _response = response;
        Ended = PumpAsync();
    }

    /// <summary>Completes when the stream ends (cut by the server, or disposed).</summary>
    public Task Ended { get; }

    public static async Task<SseSession> OpenAsync(HttpClient client)
    {
        var response = await client.GetAsync("/notifications", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new SseSession(response);
    }

    public async Task<string?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            return await _updates.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Everything that arrives until <paramref name="quiet"/> passes without an Update.</summary>
    public async Task<List<string>> DrainAsync(TimeSpan? quiet = null)
    {
        var items = new List<string>();
        while (await NextAsync(quiet ?? TimeSpan.FromMilliseconds(300)) is { } item)
        {
            items.Add(item);
        }

        return items;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await Ended;
        }
        catch (Exception)
        {
            // Ended by the server or by the cancellation above.
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in SseEvent.ReadAllAsync(await _response.Content.ReadAsStreamAsync(_stop.Token), _stop.Token))
            {
                if (e.Name == "update")
                {
                    await _updates.Writer.WriteAsync(e.Data);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException)
        {
            // A cut stream surfaces as an I/O error on the reader.
        }
        finally
        {
            _updates.Writer.TryComplete();
        }
    }
}
