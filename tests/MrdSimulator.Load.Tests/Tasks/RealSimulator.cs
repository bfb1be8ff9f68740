using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MrdSimulator.Load.Tests.Tasks;

/// <summary>
/// The real simulator (the Gateway's Program) on Kestrel at 127.0.0.1 with a free port, XMPP off, 100 demo agents.
/// <see cref="Swallow"/> (optional) is a fault put in front of the simulator: it answers some task submissions
/// <c>201 Created</c> with a Location of a contact that does not exist, as a simulator losing tasks would.
/// </summary>
internal sealed class RealSimulator : IAsyncDisposable
{
    public const string AdminToken = "load-tests-admin-token-0123456789";

    private readonly SimulatorHost _host;

    private RealSimulator(SimulatorHost host, TaskSwallower? swallower)
    {
        _host = host;
        BaseUrl = host.BaseAddress;
        Swallower = swallower;
    }

    public Uri BaseUrl { get; }

    public TaskSwallower? Swallower { get; }

    public static RealSimulator Start(double timeScale = 1, int swallowEvery = 0, string? directoryFile = null)
    {
        var swallower = swallowEvery > 0 ? new TaskSwallower(swallowEvery) : null;
        var settings = new Dictionary<string, string?>
        {
            ["Simulator:Agents"] = "100",
            ["Simulator:Xmpp:Port"] = "-1",
            ["Tasks:AdminToken"] = AdminToken,
            ["Tasks:TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (directoryFile is not null)
        {
            settings["Simulator:DirectoryFile"] = directoryFile;
        }

        var host = SimulatorHost.StartKestrel(settings, swallower is null ? null : s => s.AddSingleton<IStartupFilter>(swallower));
        return new RealSimulator(host, swallower);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}

/// <summary>Every n-th <c>POST /ccp/task/feed/…</c> is answered 201 with a made-up contact and never reaches the simulator.</summary>
internal sealed class TaskSwallower(int every) : IStartupFilter
{
    private int _seen;
    private int _swallowed;

    public int Swallowed => Volatile.Read(ref _swallowed);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/ccp/task/feed") &&
                Interlocked.Increment(ref _seen) % every == 0)
            {
                var n = Interlocked.Increment(ref _swallowed);
                await context.Request.Body.CopyToAsync(Stream.Null);
                context.Response.StatusCode = StatusCodes.Status201Created;
                context.Response.Headers.Location = $"http://{context.Request.Host}/ccp/task/contact/swallowed-{n}";
                return;
            }

            await proceed(context);
        });
        next(app);
    };
}
