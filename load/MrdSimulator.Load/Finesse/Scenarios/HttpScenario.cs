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
public sealed class HttpScenario(string name, HttpTarget target, HttpScenarioOptions options) : IScenario
{
    private readonly byte[]? _body = options.Body is null ? null : Encoding.UTF8.GetBytes(options.Body);
    private readonly HttpMethod _method = HttpMethod.Parse(options.Method);
    private readonly MediaTypeHeaderValue _contentType = new(options.ContentType);
    private readonly Uri _uri = target.Resolve(options.Path);
    private readonly string? _authText = options.BasicAuth is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(options.BasicAuth));
    private StepRecorder _step = null!;

    public string Name { get; } = name;

    public int? MaxVirtualUsers => null;

    public async Task InitAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        _step = context.Step("request");
        await target.ProbeAsync(cancellationToken);
    }

    public IVirtualUser CreateVirtualUser(int index) => new User(this);

    public Task CleanAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class User(HttpScenario s) : IVirtualUser
    {
        public async ValueTask RunIterationAsync(IterationContext ctx)
        {
            var start = ctx.NextStepStart();
            if (s.Target.Raw is not null)
            {
                await HttpStep.SendAsync(
                    s.Target, new RawHttpClient.Request(s._method.Method, s._uri.PathAndQuery, s._authText, null, s._body ?? default(ReadOnlyMemory<byte>), s.ContentType), s._step, start, s.ExpectStatus, ctx.CancellationToken);
                return;
            }

            using var request = new HttpRequestMessage(s._method, s._uri);
            if (s._body is not null)
            {
                request.Content = new ByteArrayContent(s._body);
                request.Content.Headers.ContentType = s._contentType;
            }

            if (s._authText is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", s._authText);
            }

            await HttpStep.SendAsync(s.Target, request, s._step, start, s.ExpectStatus, s._body?.Length ?? 0, ctx.CancellationToken);
        }
    }

    internal HttpTarget Target => target;

    internal int ExpectStatus => options.ExpectStatus;

    internal string ContentType => options.ContentType;
}
