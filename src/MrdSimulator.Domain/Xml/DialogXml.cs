using System.Text;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Domain.Xml;

/// <summary>
/// The non-voice <c>Dialog</c> (12.5 sample order: associatedDialogUri, id, mediaType, mediaProperties,
/// then the voice layout's participants, state, uri — reference §7.2).
/// </summary>
public static class DialogXml
{
    public static string Uri(string dialogId) => "/finesse/api/Dialog/" + dialogId;

    public static string CollectionUri(string userId, int mrdId) => $"/finesse/api/User/{userId}/Media/{mrdId}/Dialogs";

    /// <param name="interrupted">The MRD is interrupted: ACTIVE/PAUSED/WRAPPING_UP show as INTERRUPTED and no action is offered.</param>
    public static void Write(XmlOut x, TaskDialog dialog, bool interrupted = false)
    {
        var state = interrupted && DialogRules.ShowsInterrupted(dialog.State) ? Media.DialogState.Interrupted : dialog.State;
        var stateText = state.ToWire();
        var changed = MediaXml.FormatTime(dialog.StateChangeTime);
        x.Open("Dialog")
            .Element("associatedDialogUri", (string?)null)
            .Element("id", dialog.Id)
            .Element("mediaType", dialog.MediaType)
            .Open("mediaProperties")
            .Element("mediaId", dialog.MrdId)
            .Element("dialedNumber", (string?)null)
            .Element("queueNumber", dialog.QueueNumber)
            .Element("queueName", dialog.QueueName)
            .Element("callKeyCallId", dialog.CallKeyCallId)
            .Element("callKeySequenceNum", dialog.CallKeySequenceNum)
            .Element("callKeyPrefix", dialog.CallKeyPrefix);
        x.Open("callvariables");
        foreach (var variable in dialog.CallVariables)
        {
            x.Open("CallVariable").Element("name", variable.Name).Element("value", variable.Value).Close("CallVariable");
        }

        x.Close("callvariables").Close("mediaProperties");
        x.Open("participants").Open("Participant").Open("actions");
        if (!interrupted && state != Media.DialogState.Interrupted)
        {
            foreach (var action in DialogRules.Allowed(dialog.State))
            {
                x.Element("action", action.ToWire());
            }
        }

        x.Close("actions")
            .Element("mediaAddress", dialog.UserId)
            .Element("startTime", MediaXml.FormatTime(dialog.StartTime))
            .Element("state", stateText)
            .Element("stateCause", (string?)null)
            .Element("stateChangeTime", changed)
            .Close("Participant").Close("participants");
        if (dialog.DispositionCode is { } disposition)
        {
            x.Element("dispositionCode", disposition);
        }

        x.Element("state", stateText)
            .Element("uri", Uri(dialog.Id))
            .Close("Dialog");
    }

    public static string Dialog(TaskDialog dialog, bool interrupted)
    {
        var sb = new StringBuilder(1200).Append(XmlOut.Declaration);
        Write(new XmlOut(sb), dialog, interrupted);
        return sb.ToString();
    }

    /// <summary>The MRD's dialog list (<c>GET …/Media/{mrdId}/Dialogs</c>); root <c>Dialogs</c> as Finesse's voice list.</summary>
    public static string List(IEnumerable<TaskDialog> dialogs, bool interrupted)
    {
        var sb = new StringBuilder(2048).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("Dialogs");
        foreach (var dialog in dialogs)
        {
            Write(x, dialog, interrupted);
        }

        x.Close("Dialogs");
        return sb.ToString();
    }
}
