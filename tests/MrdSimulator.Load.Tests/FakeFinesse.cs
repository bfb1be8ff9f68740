using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MrdSimulator.Load.Tests;

/// <summary>Faults the fake injects into its notification stream (every n-th notification; 0 = never).</summary>
internal sealed class FakeFaults
{
    public bool Enabled { get; set; } = true;

    public int DropEvery { get; set; }

    public int DuplicateEvery { get; set; }

    public int ReorderEvery { get; set; }

    public int WrongStateEvery { get; set; }

    public bool NotifyReadyWhileReady { get; set; }

    public int ResponseDelayMs { get; set; }

    /// <summary>Every n-th Media PUT is refused with <see cref="RejectStatus"/> before it is processed (0 = never, 1 = all).</summary>
    public int RejectEvery { get; set; }

    public int RejectStatus { get; set; } = 503;
}

/// <summary>
/// A small stand-in for the simulator: Finesse Media PUTs with the documented state machine, per-pair
/// serialisation, and one server-sent-events stream per user carrying &lt;Update&gt; notifications.
/// It counts the faults it injects so tests can compare them with what the driver detected.
/// </summary>
internal sealed class FakeFinesse : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PairModel> _pairs = new();
    private readonly ConcurrentDictionary<string, Channel<string>> _streams = new();
    private long _sequence;
    private long _notificationCount;
    private long _putCount;
    private WebApplication _app = null!;

    public FakeFaults Faults { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    public long Dropped;
    public long Duplicated;
    public long Reordered;
    public long WrongStates;
    public long Notifications;
    public long Accepted;
    public long Rejected;

    /// <summary>When each refused PUT arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks), per agent.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<long>> Refusals { get; } = new();

    public static async Task<FakeFinesse> StartAsync(Action<FakeFaults>? configure = null)
    {
        var fake = new FakeFinesse();
        configure?.Invoke(fake.Faults);
        var (app, url) = await TestServers.StartAsync(app =>
        {
            app.MapGet("/", () => "fake finesse");
            app.MapGet("/notifications", fake.StreamAsync);
            app.MapPut("/finesse/api/User/{id}/Media/{mrd}", fake.PutAsync);
        });
        fake._app = app;
        fake.BaseUrl = url;
        return fake;
    }

    private static string? User(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && decoded[(colon + 1)..] == "password" ? decoded[..colon] : null;
    }

    private async Task StreamAsync(HttpContext ctx)
    {
        var user = User(ctx);
        if (user is null)
        {
            ctx.Response.StatusCode = 401;
            return;
        }

        var channel = _streams.GetOrAdd(user, _ => Channel.CreateUnbounded<string>());
        ctx.Response.ContentType = "text/event-stream";
        await ctx.Response.WriteAsync(": ping\n\n", ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        try
        {
            await foreach (var xml in channel.Reader.ReadAllAsync(ctx.RequestAborted))
            {
                var id = Interlocked.Increment(ref _sequence);
                await ctx.Response.WriteAsync($"id: {id}\nevent: update\ndata: {xml}\n\n", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PutAsync(HttpContext ctx, string id, string mrd)
    {
        var user = User(ctx);
        if (user is null || user != id)
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("<ApiErrors><ApiError><ErrorType>Authorization Failure</ErrorType></ApiError></ApiErrors>");
            return;
        }

        var n = Interlocked.Increment(ref _putCount);
        if (Faults.Enabled && Faults.RejectEvery > 0 && n % Faults.RejectEvery == 0)
        {
            Interlocked.Increment(ref Rejected);
            Refusals.GetOrAdd(id, _ => new ConcurrentQueue<long>()).Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
            ctx.Response.StatusCode = Faults.RejectStatus;
            await ctx.Response.WriteAsync("<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType></ApiError></ApiErrors>");
            return;
        }

        var doc = await XDocument.LoadAsync(ctx.Request.Body, LoadOptions.None, ctx.RequestAborted);
        var action = doc.Root?.Element("state")?.Value;
        var reason = doc.Root?.Element("reasonCodeId")?.Value;
        var requestId = ctx.Request.Headers["requestId"].ToString();
        if (Faults.ResponseDelayMs > 0)
        {
            await Task.Delay(Faults.ResponseDelayMs);
        }

        var source = $"/finesse/api/User/{id}/Media/{mrd}";
        var pair = _pairs.GetOrAdd(source, _ => new PairModel());
        lock (pair)
        {
            Interlocked.Increment(ref Accepted);
            string? xml = null;
            string Error(string message) =>
                $"<apiErrors><apiError><errorData>6</errorData><errorMedia>{mrd}</errorMedia><errorMessage>{message}</errorMessage><errorType>x</errorType></apiError></apiErrors>";
            string Media(string state, string? rc) =>
                $"<Media><id>{mrd}</id><state>{state}</state>{(rc is null ? "" : $"<reasonCodeId>{rc}</reasonCodeId>")}<routable>true</routable></Media>";

            switch (action)
            {
                case "LOGIN":
                    if (pair.State != "LOGOUT")
                    {
                        xml = Error("E_ARM_STAT_AGENT_ALREADY_LOGGED_IN");
                    }
                    else
                    {
                        pair.State = "NOT_READY";
                        xml = Media(pair.State, null);
                    }

                    break;
                case "READY":
                    if (pair.State == "LOGOUT")
                    {
                        xml = Error("E_ARM_STAT_AGENT_NOT_LOGGED_IN");
                    }
                    else if (pair.State == "READY")
                    {
                        xml = Faults.NotifyReadyWhileReady && Faults.Enabled ? Media("READY", null) : null;
                    }
                    else
                    {
                        pair.State = "READY";
                        xml = Media(pair.State, null);
                    }

                    break;
                case "NOT_READY":
                case "LOGOUT":
                    if (pair.State == "LOGOUT")
                    {
                        xml = Error("E_ARM_STAT_AGENT_NOT_LOGGED_IN");
                    }
                    else
                    {
                        pair.State = action;
                        xml = Media(pair.State, reason);
                    }

                    break;
            }

            if (xml is not null)
            {
                Publish(id, $"<Update><event>PUT</event><requestId>{requestId}</requestId><source>{source}</source><data>{xml}</data></Update>",
                    action == "READY" ? "NOT_READY" : "READY", mrd, requestId, source);
            }
        }

        ctx.Response.Headers["requestId"] = requestId;
        ctx.Response.StatusCode = 202;
    }

    private void Publish(string user, string update, string wrongState, string mrd, string requestId, string source)
    {
        var channel = _streams.GetOrAdd(user, _ => Channel.CreateUnbounded<string>());
        var n = Interlocked.Increment(ref _notificationCount);
        var f = Faults;
        if (f.Enabled)
        {
            if (f.DropEvery > 0 && n % f.DropEvery == 0)
            {
                Interlocked.Increment(ref Dropped);
                return;
            }

            if (f.WrongStateEvery > 0 && n % f.WrongStateEvery == 0 && update.Contains("<Media>", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref WrongStates);
                update = $"<Update><event>PUT</event><requestId>{requestId}</requestId><source>{source}</source><data><Media><id>{mrd}</id><state>{wrongState}</state></Media></data></Update>";
            }

            if (f.ReorderEvery > 0 && n % f.ReorderEvery == 0)
            {
                // Held back 40 ms: notifications of requests processed meanwhile overtake it.
                Interlocked.Increment(ref Reordered);
                var held = update;
                _ = Task.Delay(40).ContinueWith(_ =>
                {
                    channel.Writer.TryWrite(held);
                    Interlocked.Increment(ref Notifications);
                }, TaskScheduler.Default);
                return;
            }
        }

        channel.Writer.TryWrite(update);
        Interlocked.Increment(ref Notifications);
        if (f.Enabled && f.DuplicateEvery > 0 && n % f.DuplicateEvery == 0)
        {
            Interlocked.Increment(ref Duplicated);
            channel.Writer.TryWrite(update);
        }
    }

    public string StateOf(string agent, int mrd) =>
        _pairs.TryGetValue($"/finesse/api/User/{agent}/Media/{mrd}", out var p) ? p.State : "LOGOUT";

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _streams.Values)
        {
            c.Writer.TryComplete();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class PairModel
    {
        public string State = "LOGOUT";
    }
}
