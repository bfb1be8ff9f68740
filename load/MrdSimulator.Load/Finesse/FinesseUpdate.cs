using System.Xml;

namespace MrdSimulator.Load.Finesse;

/// <summary>The parts of a Finesse <c>&lt;Update&gt;</c> notification the correlator needs.</summary>
public sealed record FinesseUpdate(
    string? RequestId,
    string? Source,
    string? Event,
    string? State,
    string? ReasonCodeId,
    string? Routable,
    string? ErrorMessage,
    string? ErrorMedia)
{
    public bool IsError => ErrorMessage is not null;

    /// <summary>The non-voice Dialog carried by a Dialogs/Media Update (offer, action result, removal); null otherwise.</summary>
    public DialogInfo? Dialog { get; init; }

    /// <summary>The Update concerns a Dialog (its source is a Dialog or an MRD's Dialogs collection), including async errors.</summary>
    public bool IsDialog => Dialog is not null || (Source is { } s && (s.StartsWith(DialogInfo.UriPrefix, StringComparison.Ordinal) || s.EndsWith("/Dialogs", StringComparison.Ordinal)));

    private static readonly XmlReaderSettings Settings = new()
    {
        IgnoreWhitespace = true,
        IgnoreComments = true,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
    };

    /// <summary>
    /// Parses an Update document order-insensitively (element order inside Update and Media varies between
    /// Finesse samples). Accepts both lower-camel (<c>apiErrors/errorMessage</c>) and capitalised error names.
    /// Returns null for a document that is not an Update.
    /// </summary>
    public static FinesseUpdate? Parse(string xml)
    {
        using var text = new StringReader(xml);
        using var reader = XmlReader.Create(text, Settings);
        if (reader.MoveToContent() != XmlNodeType.Element || !reader.LocalName.Equals("Update", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var baseDepth = reader.Depth;
        string? requestId = null, source = null, evt = null, state = null, reason = null, routable = null, error = null, errorMedia = null;
        string? dataRoot = null;

        // Dialog (reference §7.2): at depth 2 under data (PUT), or 3 under data/dialogs (POST/DELETE). Names of the
        // current element's ancestors by depth, so nested fields are recognised by their parents in one forward pass.
        var names = new string[24];
        var dialogDepth = 0;
        string? dialogId = null, dialogState = null, disposition = null, taskKey = null, variableName = null, variableValue = null;
        int? mediaId = null;
        List<string>? actions = null;
        if (reader.IsEmptyElement)
        {
            return new FinesseUpdate(null, null, null, null, null, null, null, null);
        }

        reader.Read();
        while (!reader.EOF && reader.Depth > baseDepth)
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                reader.Read();
                continue;
            }

            var depth = reader.Depth - baseDepth;
            var name = reader.LocalName;
            if (depth < names.Length)
            {
                names[depth] = name;
            }

            if (name == "Dialog" && dialogDepth == 0 && ((depth == 2 && names[1] == "data") || (depth == 3 && names[2] == "dialogs")))
            {
                dialogDepth = depth;
                dataRoot = names[2];
                reader.Read();
                continue;
            }

            if (dialogDepth > 0 && depth > dialogDepth && depth < names.Length)
            {
                var rel = depth - dialogDepth;
                var parent = names[depth - 1];
                if (rel == 1 && name is "id" or "state" or "dispositionCode")
                {
                    var field = reader.ReadElementContentAsString();
                    switch (name)
                    {
                        case "id":
                            dialogId = field;
                            break;
                        case "state":
                            dialogState = field;
                            break;
                        default:
                            disposition = field;
                            break;
                    }

                    continue;
                }

                if (rel == 2 && parent == "mediaProperties" && name == "mediaId")
                {
                    mediaId = int.TryParse(reader.ReadElementContentAsString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : null;
                    continue;
                }

                if (rel == 3 && parent == "callvariables" && name == "CallVariable")
                {
                    (variableName, variableValue) = (null, null);
                }
                else if (rel == 4 && parent == "CallVariable" && name is "name" or "value")
                {
                    var field = reader.ReadElementContentAsString();
                    if (name == "name")
                    {
                        variableName = field;
                    }
                    else
                    {
                        variableValue = field;
                    }

                    if (variableName == DialogInfo.TrackingVariable && variableValue is not null)
                    {
                        taskKey = variableValue;
                    }

                    continue;
                }
                else if (rel == 4 && parent == "actions" && name == "action")
                {
                    (actions ??= []).Add(reader.ReadElementContentAsString());
                    continue;
                }
            }

            if (depth == 1)
            {
                switch (name)
                {
                    case "requestId":
                        requestId = reader.ReadElementContentAsString();
                        continue;
                    case "source":
                        source = reader.ReadElementContentAsString();
                        continue;
                    case "event":
                        evt = reader.ReadElementContentAsString();
                        continue;
                }
            }
            else if (depth == 2)
            {
                dataRoot = name;
            }
            else if (depth == 3 && dataRoot is not null && dataRoot.Equals("Media", StringComparison.OrdinalIgnoreCase))
            {
                switch (name)
                {
                    case "state":
                        state = reader.ReadElementContentAsString();
                        continue;
                    case "reasonCodeId":
                        reason = reader.ReadElementContentAsString();
                        continue;
                    case "routable":
                        routable = reader.ReadElementContentAsString();
                        continue;
                }
            }
            else if (depth == 4 && dataRoot is not null && dataRoot.Equals("apiErrors", StringComparison.OrdinalIgnoreCase))
            {
                if (name.Equals("errorMessage", StringComparison.OrdinalIgnoreCase))
                {
                    error = reader.ReadElementContentAsString();
                    continue;
                }

                if (name.Equals("errorMedia", StringComparison.OrdinalIgnoreCase))
                {
                    errorMedia = reader.ReadElementContentAsString();
                    continue;
                }
            }

            reader.Read();
        }

        if (dataRoot is not null && dataRoot.Equals("apiErrors", StringComparison.OrdinalIgnoreCase) && error is null)
        {
            error = "(unspecified error)";
        }

        return new FinesseUpdate(
            string.IsNullOrEmpty(requestId) ? null : requestId, source, evt, state, string.IsNullOrEmpty(reason) ? null : reason, routable, error, errorMedia)
        {
            Dialog = dialogDepth > 0 && dialogId is not null
                ? new DialogInfo(dialogId, dialogState, string.IsNullOrEmpty(disposition) ? null : disposition, mediaId, taskKey, actions ?? (IReadOnlyList<string>)[])
                : null,
        };
    }
}

/// <summary>The parts of a non-voice <c>&lt;Dialog&gt;</c> the task scenarios need.</summary>
/// <param name="TaskKey">The value of the <see cref="TrackingVariable"/> call variable: which submitted task this is.</param>
/// <param name="Actions">The agent participant's allowed actions (<c>participants/Participant/actions/action</c>).</param>
public sealed record DialogInfo(string Id, string? State, string? Disposition, int? MrdId, string? TaskKey, IReadOnlyList<string> Actions)
{
    /// <summary>
    /// The ECC variable the task feed sets (<c>user_user.mrdload.task</c> in the CCP request) and the Dialog carries
    /// as a call variable named <c>user.mrdload.task</c>: it survives RONA and transfers, so it identifies the task.
    /// </summary>
    public const string TrackingVariable = "user.mrdload.task";

    public const string UriPrefix = "/finesse/api/Dialog/";
}
