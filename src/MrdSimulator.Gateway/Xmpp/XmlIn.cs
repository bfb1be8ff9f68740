using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>
/// Parses one stanza (or stream header, WebSocket message, BOSH body) with XmlReader: DTDs prohibited, no
/// resolver, so no entity expansion or XXE. Malformed input becomes a <c>not-well-formed</c> stream error.
/// </summary>
internal static class XmlIn
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        ConformanceLevel = ConformanceLevel.Fragment,
        MaxCharactersFromEntities = 0,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        CloseInput = true,
    };

    /// <summary>A namespace scope for stanzas: the stream's default namespace and declared prefixes.</summary>
    public static XmlNamespaceManager Scope(string defaultNamespace, IEnumerable<KeyValuePair<string, string>>? prefixes = null)
    {
        var manager = new XmlNamespaceManager(new NameTable());
        manager.AddNamespace(string.Empty, defaultNamespace);
        foreach (var (prefix, ns) in prefixes ?? [])
        {
            manager.AddNamespace(prefix, ns);
        }

        return manager;
    }

    public static XElement Parse(ReadOnlyMemory<byte> utf8, XmlNamespaceManager? scope)
    {
        var stream = MemoryMarshal.TryGetArray(utf8, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(utf8.ToArray(), writable: false);
        var context = scope is null ? null : new XmlParserContext(scope.NameTable, scope, null, XmlSpace.None, Encoding.UTF8);
        try
        {
            using var reader = XmlReader.Create(stream, Settings, context);
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                throw XmppStreamException.NotWellFormed("expected an element");
            }

            var element = (XElement)XNode.ReadFrom(reader);
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        continue;
                    case XmlNodeType.Comment:
                        throw XmppStreamException.RestrictedXml("XML comments are not allowed in XMPP");
                    default:
                        throw XmppStreamException.NotWellFormed("more than one element");
                }
            }

            Restrict(element);
            return element;
        }
        catch (XmlException ex)
        {
            throw XmppStreamException.NotWellFormed(ex.Message);
        }
        catch (DecoderFallbackException)
        {
            throw XmppStreamException.NotWellFormed("invalid UTF-8");
        }
    }

    public static XElement Parse(string xml, XmlNamespaceManager? scope) => Parse(Encoding.UTF8.GetBytes(xml), scope);

    /// <summary>RFC 6120 §11.1: no comments or processing instructions inside stanzas either.</summary>
    private static void Restrict(XElement element)
    {
        foreach (var node in element.DescendantNodes())
        {
            if (node is XComment)
            {
                throw XmppStreamException.RestrictedXml("XML comments are not allowed in XMPP");
            }

            if (node is XProcessingInstruction)
            {
                throw XmppStreamException.RestrictedXml("processing instructions are not allowed in XMPP");
            }
        }
    }

    /// <summary>
    /// Escapes text for element content or a single- or double-quoted attribute: tab, LF and CR as character references
    /// (an attribute's parser would turn them into spaces), characters XML 1.0 cannot carry as U+FFFD.
    /// </summary>
    public static StringBuilder AppendEscaped(this StringBuilder sb, string? text)
    {
        if (text is null)
        {
            return sb;
        }

        text = XmlChars.Sanitize(text);
        var from = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var replacement = text[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\'' => "&apos;",
                '"' => "&quot;",
                '\t' => "&#9;",
                '\n' => "&#10;",
                '\r' => "&#13;",
                _ => null,
            };
            if (replacement is not null)
            {
                sb.Append(text, from, i - from).Append(replacement);
                from = i + 1;
            }
        }

        return sb.Append(text, from, text.Length - from);
    }

    public static string Escape(string? text) => text is null ? string.Empty : new StringBuilder(text.Length + 16).AppendEscaped(text).ToString();
}
