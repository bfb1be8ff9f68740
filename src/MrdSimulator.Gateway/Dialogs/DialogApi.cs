using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.GrainInterfaces.Media;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Tasks;

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

    private static async Task<IResult> GetDialogAsync(string dialogId, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory)
    {
        foreach (var mrdId in CallerMrds(caller, directory))
        {
            var view = await grains.GetMediaGrain(caller.User.Id, mrdId).GetDialogsAsync();
            if (view.Dialogs.Find(d => d.Id == dialogId) is { } dialog)
            {
                return FinesseResults.Xml(DialogXml.Dialog(dialog, view.Interrupted));
            }
        }

        return FinesseResults.Error(await NotHeldAsync(dialogId, caller, grains));
    }

    private static async Task<IResult> PutDialogAsync(string dialogId, HttpContext context, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory, SimulatorOptions options)
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

        // The agent's Media grain that holds the dialog acts on it; the others answer NotFound and change nothing.
        foreach (var mrdId in CallerMrds(caller, directory))
        {
            var result = await grains.GetMediaGrain(caller.User.Id, mrdId).ActAsync(dialogId, action, toAddress, requestId);
            if (result == DialogActResult.NotFound)
            {
                continue;
            }

            var media = mrdId.ToString(CultureInfo.InvariantCulture);
            return result switch
            {
                DialogActResult.Accepted or DialogActResult.AcceptedWithAsyncError => FinesseResults.Accepted(),
                DialogActResult.UnknownTarget => FinesseResults.Error(ApiError.InvalidInput("toAddress", $"'{toAddress}' is not a script selector", media)),
                _ => FinesseResults.Error(ApiError.InvalidInput("requestedAction", "Invalid 'requestedAction' specified for task", media)),
            };
        }

        return FinesseResults.Error(await NotHeldAsync(dialogId, caller, grains));
    }

    private static async Task<IResult> GetDialogListAsync(string id, string mrdId, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (caller.RequireSelf(id) is { } denied)
        {
            return FinesseResults.Error(denied);
        }

        if (!MrdIdSegment.TryParse(mrdId, out var mrdNumber))
        {
            return FinesseResults.Error(MrdIdSegment.Invalid(mrdId));
        }

        if (directory.FindMrd(mrdNumber) is not { IsVoice: false })
        {
            return FinesseResults.Error(ApiError.NotFound($"Media Routing Domain {mrdNumber} does not exist", "mrdId", mrdId));
        }

        if (!caller.User.IsAssignedTo(mrdNumber))
        {
            return FinesseResults.Xml(DialogXml.List([], false));
        }

        var view = await grains.GetMediaGrain(id, mrdNumber).GetDialogsAsync();
        return FinesseResults.Xml(DialogXml.List(view.Dialogs, view.Interrupted));
    }

    private static IResult GetScriptSelectors(string? mrdType, SimulatorDirectory directory) =>
        mrdType switch
        {
            null or "" or "all" or "digitalchannel" or "digitalchannels" => FinesseResults.Xml(TaskXml.ScriptSelectors(directory.ScriptSelectors, RoutingClient)),
            "voice" => FinesseResults.Xml(TaskXml.ScriptSelectors([], RoutingClient)),
            _ => FinesseResults.Error(ApiError.InvalidInput("mrdType", $"Invalid mrdType '{mrdType}'; expected voice, digitalchannel or all")),
        };

    /// <summary>The caller's non-voice MRDs, where a dialog of theirs can be.</summary>
    private static IEnumerable<int> CallerMrds(FinesseCaller caller, SimulatorDirectory directory) =>
        caller.User.MrdIds.Where(id => directory.FindMrd(id) is { IsVoice: false });

    /// <summary>
    /// None of the caller's Media grains holds the dialog: 401 when another agent holds it (only the participant may
    /// act or look), 404 when nobody does.
    /// </summary>
    private static async Task<ApiError> NotHeldAsync(string dialogId, FinesseCaller caller, IGrainFactory grains)
    {
        if (!IsTaskId(dialogId)
            || await grains.Get<ITaskGrain>(dialogId).GetContactIdAsync() is not { } contactId
            || await grains.Get<IContactGrain>(contactId).GetAsync() is not { TaskId: { } taskId, AgentId: { } agentId }
            || taskId != dialogId
            || agentId == caller.User.Id)
        {
            return NoDialog(dialogId);
        }

        return new ApiError(401, "Invalid Authorization User Specified", "The authenticated user is not a participant of this dialog", dialogId);
    }

    /// <summary>Only ids of the CCE task format name a task grain; anything else is unknown without a lookup.</summary>
    private static bool IsTaskId(string dialogId) => dialogId.Length <= 64 && dialogId.Count(c => c == '_') == 2 && dialogId.All(c => c == '_' || char.IsAsciiDigit(c));

    private static ApiError NoDialog(string dialogId) => ApiError.NotFound($"Dialog {dialogId} does not exist", dialogId);
}
