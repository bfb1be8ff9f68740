using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Http;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;
using MrdSimulator.Grains.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>
/// CCP's Task API (reference ccp §1–§5): create by POST (XML) or GET (query), poll, cancel, on both the
/// <c>/ccp/task/…</c> and <c>/ccp/rest/task/…</c> prefixes. The Task API is not authenticated (ccp §1.3), and it is
/// CORS-enabled (ccp §1.3), so a task page on another origin can submit, poll and cancel (<see cref="CorsPolicy"/>).
/// </summary>
public static class CcpTaskApi
{
    private static readonly string[] Prefixes = ["/ccp/task", "/ccp/rest/task"];

    public static IEndpointRouteBuilder MapCcpTaskApi(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in Prefixes)
        {
            var p = prefix;
            var api = app.MapGroup(p).RequireCors(CorsPolicy);
            api.MapPost("/feed/{feedId}", (string feedId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory) => CreateFromBodyAsync(p, feedId, context, grains, directory));
            api.MapGet("/feed/{feedId}", (string feedId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory) => CreateFromQueryAsync(p, feedId, context, grains, directory));
            api.MapGet("/contact/{contactId}", (string contactId, IGrainFactory grains) => PollAsync(p, contactId, grains));
            api.MapDelete("/contact/{contactId}", (string contactId, IGrainFactory grains) => CancelAsync(contactId, grains));
        }

        return app;
    }

    /// <summary>
    /// Any origin, since the API takes no credentials (so no cookies, and <c>*</c> is allowed); its methods; the headers
    /// task clients send (Content-Type, Accept; ccp §1.3); <c>Location</c> exposed, which a client needs to find its
    /// contact in a 201, and <c>Retry-After</c> of a full queue's 503. Preflights are cached for 10 minutes.
    /// </summary>
    public static void CorsPolicy(CorsPolicyBuilder policy) => policy
        .AllowAnyOrigin()
        .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
        .WithHeaders(HeaderNames.ContentType, HeaderNames.Accept)
        .WithExposedHeaders(HeaderNames.Location, HeaderNames.RetryAfter)
        .SetPreflightMaxAge(TimeSpan.FromMinutes(10));

    /// <summary>True for the paths of CCP's APIs (<c>/ccp/…</c> and <c>/ccp-webapp/…</c>), whose errors are CCP's <c>apiErrors</c>.</summary>
    public static bool IsCcpPath(PathString path) =>
        path.StartsWithSegments("/ccp", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/ccp-webapp", StringComparison.OrdinalIgnoreCase);

    private static async Task<IResult> CreateFromBodyAsync(string prefix, string feedId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (FindFeed(feedId, directory) is not { } feed)
        {
            return UnknownFeed(feedId);
        }

        if (WrongContentType(context) is { } contentType)
        {
            return Error(contentType);
        }

        // A pooled buffer: a body grown in a MemoryStream costs a large-object-heap array per request, which under a
        // flood of large tasks keeps the GC busy and the process large.
        var (body, tooLarge) = await RequestBody.ReadAsync(context, TaskSubmissionParser.MaxBodyBytes, null);
        if (body is null)
        {
            return Error(TaskSubmissionParser.Invalid("Task", tooLarge!.ErrorMessage));
        }

        TaskSubmission? task;
        ApiError? error;
        using (body)
        {
            (task, error) = TaskSubmissionParser.ParseXml(body.Memory);
        }

        return task is null ? Error(error!) : await SubmitAsync(prefix, feed, task, context, grains, directory);
    }

    private static async Task<IResult> CreateFromQueryAsync(string prefix, string feedId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (FindFeed(feedId, directory) is not { } feed)
        {
            return UnknownFeed(feedId);
        }

        var query = context.Request.Query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.ToString()));
        var (task, error) = TaskSubmissionParser.ParseQuery(query);
        return task is null ? Error(error!) : await SubmitAsync(prefix, feed, task, context, grains, directory);
    }

    private static async Task<IResult> SubmitAsync(string prefix, int feed, TaskSubmission task, HttpContext context, IGrainFactory grains, SimulatorDirectory directory)
    {
        // A full queue is answered before a contact exists (a flood of refused tasks then costs one read-only call
        // each); the contact's own enqueue still decides, for tasks that race for the last room.
        if (directory.FindScriptSelector(task.ScriptSelector) is { } selector
            && await grains.Get<IMrdQueueGrain>(selector.MrdId).CheckRoomAsync(TaskFootprint.Of(task)) is { } full)
        {
            return QueueFullError(task.ScriptSelector, full, directory, context);
        }

        // A queue too busy to take the task throws; GrainFailureMiddleware answers 503 and no contact remains.
        var result = await grains.Get<IContactGrain>(ContactIds.New()).SubmitAsync(feed, task, null);
        if (result.Contact is not { } contact)
        {
            return QueueFullError(task.ScriptSelector, result.Refused!, directory, context);
        }

        context.Response.Headers.Location = $"{BaseUrl(context)}{prefix}/contact/{contact.ContactId}";
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    /// <summary>The absolute URL of the simulator as this request reached it, for Location and CCP's URLs (ccp §2.3).</summary>
    internal static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{Authority(context)}{context.Request.PathBase}";

    /// <summary>A Content-Type other than XML (none at all is accepted, as CCP's clients may send none).</summary>
    internal static ApiError? WrongContentType(HttpContext context) =>
        context.Request.ContentType is { Length: > 0 } contentType && !contentType.Contains("xml", StringComparison.OrdinalIgnoreCase)
            ? TaskSubmissionParser.Invalid("Content-Type", $"Content-Type must be application/xml, not '{contentType}'")
            : null;

    /// <summary>
    /// The authority of the absolute Location URL (ccp §2.3): the Host the client addressed, so that the URL still works
    /// through a port map or proxy, when it is a well-formed <c>host[:port]</c>; otherwise (no Host, as HTTP/1.0 allows)
    /// the address the connection arrived on. A 201 is not cached, so the Host only ever returns to the client that sent it.
    /// </summary>
    private static string Authority(HttpContext context)
    {
        var host = context.Request.Host;
        if (host.HasValue && Uri.TryCreate("http://" + host.Value + "/", UriKind.Absolute, out var uri)
            && uri.UserInfo.Length == 0 && uri.PathAndQuery == "/" && uri.Fragment.Length == 0)
        {
            return host.ToUriComponent();
        }

        var local = context.Connection.LocalIpAddress;
        return local is null ? "localhost" : new IPEndPoint(local, context.Connection.LocalPort).ToString();
    }

    private static async Task<IResult> PollAsync(string prefix, string contactId, IGrainFactory grains)
    {
        // Unknown, cancelled (ccp §5) or expired contacts answer 404; only well-formed ids name a contact grain.
        if (!IsContactId(contactId) || await grains.Get<IContactGrain>(contactId).PollAsync() is not { } c)
        {
            return NotFound(contactId);
        }

        return Results.Text(TaskXml.Status(c.Status, c.StatusReason, c.EstimatedWaitTime, c.TaskId, c.AgentId, $"{prefix}/contact/{c.ContactId}"), "application/xml");
    }

    private static async Task<IResult> CancelAsync(string contactId, IGrainFactory grains) =>
        (IsContactId(contactId) ? await grains.Get<IContactGrain>(contactId).CancelAsync() : CancelResult.NotFound) switch
        {
            CancelResult.Cancelled => Results.Ok(),
            CancelResult.NotFound => NotFound(contactId),
            _ => Error(new ApiError(400, "invalidState", "The task can no longer be cancelled: an agent has already been selected or it has ended", contactId)),
        };

    /// <summary>Seconds a client refused by a full queue is told to wait (Retry-After) before it submits again.</summary>
    public const int QueueFullRetryAfterSeconds = 5;

    /// <summary>
    /// A queue at a limit: 503 (the MRD is out of room for everyone, not this client sending too fast, which 429 would
    /// say) with Retry-After, and a body naming the queue, the limit and what raises it.
    /// </summary>
    private static IResult QueueFullError(string scriptSelector, QueueFull full, SimulatorDirectory directory, HttpContext context)
    {
        var mrd = $"MRD {full.MrdId.ToString(CultureInfo.InvariantCulture)} ({directory.FindMrd(full.MrdId)?.Name})";
        var message = full.Limit == QueueLimit.Tasks
            ? FormattableString.Invariant($"The queue of {mrd} holds {full.Held} tasks, its limit (maxTasksInQueue {full.Max}); submit again once tasks are routed or cancelled, or raise the limit (maxTasksInQueue of the MRD in the directory file, or --max-tasks-in-queue)")
            : FormattableString.Invariant($"The tasks queued in {mrd} hold {full.Held / 1048576.0:0.#} MiB of request data, and this one would pass the queue's limit of {full.Max / 1048576} MiB; submit again once tasks are routed or cancelled, send less data per task, or raise the limit (Tasks:MaxQueueMiB)");
        context.Response.Headers.RetryAfter = QueueFullRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Error(new ApiError(StatusCodes.Status503ServiceUnavailable, "queueFull", message, scriptSelector));
    }

    internal static int? FindFeed(string feedId, SimulatorDirectory directory) =>
        int.TryParse(feedId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && directory.FindFeed(id) is not null ? id : null;

    /// <summary>Contact ids are 32 hex digits (ContactIds); anything else is unknown without activating a grain.</summary>
    internal static bool IsContactId(string contactId) => contactId.Length == 32 && contactId.All(char.IsAsciiHexDigitUpper);

    /// <summary>Undocumented in CCP; 404 because the feed URL names no resource (ccp open question 6).</summary>
    internal static IResult UnknownFeed(string feedId) =>
        Results.Text(TaskXml.Errors(new ApiError(404, "notFound", $"No task feed with id '{feedId}'", feedId)), "application/xml", statusCode: 404);

    internal static IResult NotFound(string contactId) =>
        Results.Text(TaskXml.Errors(new ApiError(404, "notFound", $"No task contact '{contactId}'", contactId)), "application/xml", statusCode: 404);

    internal static IResult Error(ApiError error) => Results.Text(TaskXml.Errors(error), "application/xml", statusCode: error.Status);
}
