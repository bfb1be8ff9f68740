using System.Globalization;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.Grains;
using MrdSimulator.Grains.Media;
using MrdSimulator.Grains.Runtime;

namespace MrdSimulator.Gateway.Dialogs;

/// <summary>Non-voice Dialog APIs (reference §7): get, take action, the MRD's dialog list, and Get Script Selectors.</summary>
public static class DialogApi
{
    public const string RoutingClient = "MR_PIM_CCP";

    public static RouteGroupBuilder MapDialogApi(this RouteGroupBuilder finesse)
    {
        finesse.MapGet("/Dialog/{dialogId}", GetDialogAsync);
        finesse.MapPut("/Dialog/{dialogId}", PutDialogAsync);
        finesse.MapMethodNotAllowed("/Dialog/{dialogId}", HttpMethods.Get, HttpMethods.Put);
        finesse.MapGet("/User/{id}/Media/{mrdId}/Dialogs", GetDialogListAsync);
        finesse.MapMethodNotAllowed("/User/{id}/Media/{mrdId}/Dialogs", HttpMethods.Get);
        finesse.MapGet("/ScriptSelectors", GetScriptSelectors);
        finesse.MapMethodNotAllowed("/ScriptSelectors", HttpMethods.Get);
        return finesse;
    }

    private static async Task<IResult> GetDialogAsync(string dialogId, FinesseCaller caller, Silo silo)
    {
        if (Locate(dialogId, caller, silo, out var mrdId) is { } error)
        {
            return FinesseResults.Error(error);
        }

        var (dialogs, interrupted) = await silo.GetMediaGrain(caller.User.Id, mrdId).GetDialogsAsync();
        return dialogs.Find(d => d.Id == dialogId) is { } dialog
            ? FinesseResults.Xml(DialogXml.Dialog(dialog, interrupted))
            : FinesseResults.Error(NoDialog(dialogId));
    }

    private static async Task<IResult> PutDialogAsync(string dialogId, HttpContext context, FinesseCaller caller, Silo silo, SimulatorOptions options)
    {
        if (RequestId.Read(context, out var requestId) is { } requestIdError)
        {
            return FinesseResults.Error(requestIdError);
        }

        var (body, bodyError) = await RequestBody.ReadXmlAsync(context, options.MaxRequestBodyBytes, null);
        if (body is null)
        {
            return FinesseResults.Error(bodyError!);
        }

        string? actionText = null, toAddress = null;
        ApiError? error;
        using (body)
        {
            error = RequestXml.ReadFlat(body.Memory, "Dialog", null, (name, text) =>
            {
                switch (name)
                {
                    case "requestedAction":
                        actionText = text;
                        return null;
                    case "toAddress":
                        toAddress = text;
                        return null;
                    case "targetMediaAddress":
                        // The agent's own address on voice; carried by finesse.js, not needed for non-voice.
                        return null;
                    default:
                        return ApiError.InvalidInput(name, $"Unknown element '{name}' in Dialog");
                }
            });
        }

        if (error is not null)
        {
            return FinesseResults.Error(error);
        }

        if (string.IsNullOrEmpty(actionText))
        {
            return FinesseResults.Error(ApiError.ParameterMissing("requestedAction"));
        }

        if (!DialogRules.TryParse(actionText, out var action))
        {
            return FinesseResults.Error(ApiError.InvalidInput("requestedAction", "Invalid 'requestedAction' specified for task"));
        }

        if (action == DialogAction.Transfer && string.IsNullOrEmpty(toAddress))
        {
            return FinesseResults.Error(ApiError.ParameterMissing("toAddress"));
        }

        if (Locate(dialogId, caller, silo, out var mrdId) is { } locateError)
        {
            return FinesseResults.Error(locateError);
        }

        var media = mrdId.ToString(CultureInfo.InvariantCulture);
        DialogActResult result;
        try
        {
            result = await silo.GetMediaGrain(caller.User.Id, mrdId).ActAsync(dialogId, action, toAddress, requestId);
        }
        catch (MailboxFullException)
        {
            return FinesseResults.Error(ApiError.ServiceUnavailable("Too many requests are waiting for this agent's Media; try again") with { ErrorMedia = media });
        }

        return result switch
        {
            DialogActResult.Accepted or DialogActResult.AcceptedWithAsyncError => FinesseResults.Accepted(),
            DialogActResult.NotFound => FinesseResults.Error(NoDialog(dialogId) with { ErrorMedia = media }),
            DialogActResult.UnknownTarget => FinesseResults.Error(ApiError.InvalidInput("toAddress", $"'{toAddress}' is not a script selector", media)),
            _ => FinesseResults.Error(ApiError.InvalidInput("requestedAction", "Invalid 'requestedAction' specified for task", media)),
        };
    }

    private static async Task<IResult> GetDialogListAsync(string id, string mrdId, FinesseCaller caller, Silo silo)
    {
        if (caller.RequireSelf(id) is { } denied)
        {
            return FinesseResults.Error(denied);
        }

        if (!MrdIdSegment.TryParse(mrdId, out var mrdNumber))
        {
            return FinesseResults.Error(MrdIdSegment.Invalid(mrdId));
        }

        if (silo.Directory.FindMrd(mrdNumber) is not { IsVoice: false })
        {
            return FinesseResults.Error(ApiError.NotFound($"Media Routing Domain {mrdNumber} does not exist", "mrdId", mrdId));
        }

        if (!caller.User.IsAssignedTo(mrdNumber))
        {
            return FinesseResults.Xml(DialogXml.List([], false));
        }

        var (dialogs, interrupted) = await silo.GetMediaGrain(id, mrdNumber).GetDialogsAsync();
        return FinesseResults.Xml(DialogXml.List(dialogs, interrupted));
    }

    private static IResult GetScriptSelectors(string? mrdType, Silo silo) =>
        mrdType switch
        {
            null or "" or "all" or "digitalchannel" or "digitalchannels" => FinesseResults.Xml(TaskXml.ScriptSelectors(silo.Directory.ScriptSelectors, RoutingClient)),
            "voice" => FinesseResults.Xml(TaskXml.ScriptSelectors([], RoutingClient)),
            _ => FinesseResults.Error(ApiError.InvalidInput("mrdType", $"Invalid mrdType '{mrdType}'; expected voice, digitalchannel or all")),
        };

    /// <summary>Finds which of the caller's MRDs holds the dialog; a dialog held by someone else is 401 (only the participant may act).</summary>
    private static ApiError? Locate(string dialogId, FinesseCaller caller, Silo silo, out int mrdId)
    {
        mrdId = 0;
        if (silo.Tasks.Contacts.FindByTask(dialogId) is not { } contact || contact.TaskId != dialogId || contact.AgentId is null || contact.MrdId is null)
        {
            return NoDialog(dialogId);
        }

        if (contact.AgentId != caller.User.Id)
        {
            return new ApiError(401, "Invalid Authorization User Specified", "The authenticated user is not a participant of this dialog", dialogId);
        }

        mrdId = contact.Legs.Count > 0 ? contact.Legs[^1].MrdId : contact.MrdId.Value;
        return null;
    }

    private static ApiError NoDialog(string dialogId) => ApiError.NotFound($"Dialog {dialogId} does not exist", dialogId);
}
