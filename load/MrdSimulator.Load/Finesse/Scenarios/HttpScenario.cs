using System.Net.Http.Headers;
using System.Text;
using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Finesse.Scenarios;

public sealed record HttpScenarioOptions
{
    public string Method { get; init; } = "PUT";

    public string Path { get; init; } = "/";

    public string? Body { get; init; }

    public string ContentType { get; init; } = "application/xml";

    public int ExpectStatus { get; init; } = 202;

    /// <summary>Basic credentials "user:password", or null.</summary>
    public string? BasicAuth { get; init; }
}

/// <summary>http: one plain request per iteration (no correlation). For raw throughput and comparisons with wrk.</summary>
public sealed class HttpScenario(string name, HttpClient client, HttpScenarioOptions options) : IScenario
{
    private readonly byte[]? _body = options.Body is null ? null : Encoding.UTF8.GetBytes(options.Body);
    private readonly HttpMethod _method = new(options.Method.ToUpperInvariant());
    private readonly MediaTypeHeaderValue _contentType = new(options.ContentType);
    private readonly Uri _uri = new(client.BaseAddress!, options.Path);
    private readonly AuthenticationHeaderValue? _auth = options.BasicAuth is null
        ? null
        : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(options.BasicAuth)));
    private StepRecorder _step = null!;

    public string Name { get; } = name;

    public int? MaxVirtualUsers => null;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        _step = context.Step("request");
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, "/");
            using var response = await client.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new TargetUnreachableException($"cannot reach {client.BaseAddress}: {ex.InnerException?.Message ?? ex.Message}");
        }
    }

    public IVirtualUser CreateVirtualUser(int index) => new User(this);

    public Task CleanAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class User(HttpScenario s) : IVirtualUser
    {
        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            var start = ctx.NextStepStart();
            using var request = new HttpRequestMessage(s._method, s._uri);
            if (s._body is not null)
            {
                request.Content = new ByteArrayContent(s._body);
                request.Content.Headers.ContentType = s._contentType;
            }

            if (s._auth is not null)
            {
                request.Headers.Authorization = s._auth;
            }

            await HttpStep.SendAsync(s.Client, request, s._step, start, s.ExpectStatus, s._body?.Length ?? 0, ctx.CancellationToken);
        }
    }

    internal HttpClient Client => client;

    internal int ExpectStatus => options.ExpectStatus;
}
