using System.Globalization;
using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Chaos;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>
/// CCP's authenticated APIs a task client uses (ccp §1, rows 5–7): the feed list, a task's social contact and the
/// renotify call. CCP authenticates <c>ccp-webapp</c> with its administrator's HTTP Basic credentials (ccp §1.3); the
/// simulator's administrator is <see cref="AdminUser"/> with the admin token as password.
/// </summary>
public static class CcpWebappApi
{
    public const string Prefix = "/ccp-webapp/ccp";

    public const string AdminUser = "admin";

    /// <summary>A renotify body holds two short fields; anything near this size is not one.</summary>
    public const int MaxRenotifyBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapCcpWebappApi(this IEndpointRouteBuilder app)
    {
        var webapp = app.MapGroup(Prefix).AddEndpointFilter(static async (invocation, next) =>
            Unauthorized(invocation.HttpContext) ?? await next(invocation));
        webapp.MapGet("/feed", (HttpContext context, SimulatorDirectory directory) => ListFeeds(context, directory));
        webapp.MapGet("/feed/{feedId}", (string feedId, HttpContext context, SimulatorDirectory directory) => GetFeed(feedId, context, directory));
        webapp.MapGet("/socialcontact/{contactId}", (string contactId, HttpContext context, IGrainFactory grains) => GetSocialContactAsync(contactId, context, grains));
        webapp.MapPut("/task/{contactId}/renotify", (string contactId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory) => RenotifyAsync(contactId, context, grains, directory));
        return app;
    }

    private static IResult ListFeeds(HttpContext context, SimulatorDirectory directory) =>
        Summary(context) ?? Xml(CcpWebappXml.Feeds(directory.Feeds, CcpTaskApi.BaseUrl(context)));

    private static IResult GetFeed(string feedId, HttpContext context, SimulatorDirectory directory) =>
        Summary(context) ?? (CcpTaskApi.FindFeed(feedId, directory) is { } id
            ? Xml(CcpWebappXml.Feed(directory.FindFeed(id)!, CcpTaskApi.BaseUrl(context)))
            : CcpTaskApi.UnknownFeed(feedId));

    /// <summary>The contact behind a task, without counting as a poll; cancelled contacts too (ccp §5).</summary>
    private static async Task<IResult> GetSocialContactAsync(string contactId, HttpContext context, IGrainFactory grains) =>
        CcpTaskApi.IsContactId(contactId) && await grains.Get<IContactGrain>(contactId).GetAsync() is { } contact
            ? Xml(CcpWebappXml.SocialContact(contact, $"{CcpTaskApi.BaseUrl(context)}{Prefix}/socialcontact/{contactId}"))
            : CcpTaskApi.NotFound(contactId);

    /// <summary>
    /// ccp §5.1: 200 once a queued task is resubmitted to the script selector's MRD; 400 for a body CCP could not take
    /// (malformed, no or an unknown scriptSelector, a reNotifyReason other than the two documented); 404 for an unknown
    /// contact; 412 when the task is not waiting in a queue (an agent has it, or it has ended).
    /// </summary>
    private static async Task<IResult> RenotifyAsync(string contactId, HttpContext context, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (!CcpTaskApi.IsContactId(contactId))
        {
            return CcpTaskApi.NotFound(contactId);
        }

        var (selector, bad) = await ReadRenotifyAsync(context, directory);
        if (bad is not null)
        {
            return CcpTaskApi.Error(bad);
        }

        var result = await grains.Get<IContactGrain>(contactId).RenotifyAsync(selector!);
        return result.Outcome switch
        {
            RenotifyOutcome.Renotified => Results.Ok(),
            RenotifyOutcome.NotFound => CcpTaskApi.NotFound(contactId),
            RenotifyOutcome.UnknownScriptSelector => CcpTaskApi.Error(UnknownScriptSelector(selector!)),
            _ => CcpTaskApi.Error(new ApiError(StatusCodes.Status412PreconditionFailed, "invalidState", NotQueuedMessage(result.Contact!), contactId)),
        };
    }

    /// <summary>The renotify body <c>&lt;Task&gt;&lt;scriptSelector/&gt;&lt;reNotifyReason/&gt;&lt;/Task&gt;</c>: the script selector, or the error to answer.</summary>
    private static async Task<(string? ScriptSelector, ApiError? Error)> ReadRenotifyAsync(HttpContext context, SimulatorDirectory directory)
    {
        if (CcpTaskApi.WrongContentType(context) is { } contentType)
        {
            return (null, contentType);
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxRenotifyBodyBytes, null);
        if (body is null)
        {
            return (null, TaskSubmissionParser.Invalid("Task", tooLarge!.ErrorMessage));
        }

        string? selector = null;
        ApiError? error;
        using (body)
        {
            // Unknown elements are ignored, as on create (ccp §12.2); repeated or nested ones are refused.
            error = RequestXml.ReadFlat(body.Memory, "Task", null, (name, text) => name switch
            {
                "scriptSelector" => Assign(out selector, text),
                "reNotifyReason" when text is not (RenotifyReasons.Transfer or RenotifyReasons.Recovery) =>
                    TaskSubmissionParser.Invalid("reNotifyReason", $"reNotifyReason must be {RenotifyReasons.Transfer} or {RenotifyReasons.Recovery}, not '{text}'"),
                _ => null,
            });
        }

        if (error is not null)
        {
            // ReadFlat speaks Finesse's error types; CCP's body says invalidInput for any malformed request.
            return (null, TaskSubmissionParser.Invalid(error.ErrorData, error.ErrorMessage));
        }

        if (string.IsNullOrEmpty(selector))
        {
            return (null, TaskSubmissionParser.Missing("scriptSelector"));
        }

        if (selector.Length > TaskSubmissionParser.MaxScriptSelectorLength)
        {
            return (null, TaskSubmissionParser.Invalid("scriptSelector", $"scriptSelector is longer than {TaskSubmissionParser.MaxScriptSelectorLength} characters"));
        }

        // Refused here rather than discarding a waiting task for a typo, as create's unknown selector would be.
        return directory.FindScriptSelector(selector) is null ? (null, UnknownScriptSelector(selector)) : (selector, null);
    }

    private static ApiError? Assign(out string? target, string value)
    {
        target = value;
        return null;
    }

    private static ApiError UnknownScriptSelector(string selector) =>
        TaskSubmissionParser.Invalid("scriptSelector", $"No script selector '{selector}' is configured (GET /finesse/api/ScriptSelectors lists them)");

    private static string NotQueuedMessage(ContactRecord contact) =>
        $"Only a task waiting in a queue can be renotified; this one is {contact.Status.ToWire()} ({contact.StatusReason}): "
        + (contact.Status == ContactStatus.Reserved
            ? "an agent has it, and the agent transfers it (Dialog TRANSFER)"
            : "it has ended, so submit a new task");

    /// <summary><c>summary=true|false</c> (the guide's <c>?summary=false</c>) changes nothing here; other values are refused.</summary>
    private static IResult? Summary(HttpContext context) =>
        context.Request.Query["summary"].ToString() is var summary && summary is "" or "true" or "false"
            ? null
            : CcpTaskApi.Error(TaskSubmissionParser.Invalid("summary", $"summary must be true or false, not '{summary}'"));

    /// <summary>
    /// 401 (with <c>WWW-Authenticate</c>) unless the request carries Basic credentials <see cref="AdminUser"/> : admin
    /// token; null when it may proceed. Not the /admin policy's loopback rule: CCP's APIs serve remote clients.
    /// </summary>
    private static IResult? Unauthorized(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Basic ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && TryDecode(header[scheme.Length..].Trim()) is { } credentials
            && credentials.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && credentials[..colon] == AdminUser
            && AdminAccess.TokenMatches(credentials[(colon + 1)..], context.RequestServices.GetRequiredService<ChaosOptions>().AdminToken))
        {
            return null;
        }

        context.Response.Headers.WWWAuthenticate = "Basic realm=\"CCP\"";
        return CcpTaskApi.Error(new ApiError(StatusCodes.Status401Unauthorized, "unauthorized",
            $"The ccp-webapp APIs need HTTP Basic credentials: user '{AdminUser}', password the simulator's admin token (--admin-token)", string.Empty));
    }

    private static string? TryDecode(string base64)
    {
        var bytes = new byte[(base64.Length * 3 / 4) + 3];
        try
        {
            return base64.Length <= 1024 && Convert.TryFromBase64String(base64, bytes, out var written) ? new UTF8Encoding(false, true).GetString(bytes, 0, written) : null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static IResult Xml(string xml) => Results.Text(xml, FinesseResults.XmlContentType);
}

/// <summary>The renotify reasons CCP documents (ccp §5.1).</summary>
public static class RenotifyReasons
{
    public const string Transfer = "ROUTE_SERVICE_TRANSFER";
    public const string Recovery = "ROUTE_SERVICE_RECOVERY";
}
