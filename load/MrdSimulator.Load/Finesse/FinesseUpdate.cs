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
            string.IsNullOrEmpty(requestId) ? null : requestId, source, evt, state, string.IsNullOrEmpty(reason) ? null : reason, routable, error, errorMedia);
    }
}
