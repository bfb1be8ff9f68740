using System.Globalization;
using System.Text;

namespace MrdSimulator.Domain.Xml;

/// <summary>
/// A minimal XML writer over a <see cref="StringBuilder"/> for the fixed Finesse shapes: no namespaces, no
/// attributes beyond one on a root, compact output. Faster than XmlWriter for these documents and exact
/// about what bytes go out.
/// </summary>
public readonly struct XmlOut(StringBuilder sb)
{
    public const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>";

    public StringBuilder Builder => sb;

    public XmlOut Open(string name)
    {
        sb.Append('<').Append(name).Append('>');
        return this;
    }

    public XmlOut Close(string name)
    {
        sb.Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            sb.Append('<').Append(name).Append("/>");
            return this;
        }

        sb.Append('<').Append(name).Append('>');
        Escape(sb, text);
        sb.Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, int value)
    {
        sb.Append('<').Append(name).Append('>').Append(value.ToString(CultureInfo.InvariantCulture)).Append("</").Append(name).Append('>');
        return this;
    }

    public XmlOut Element(string name, bool value) => Element(name, value ? "true" : "false");

    /// <summary>Writes already-serialised XML as-is.</summary>
    public XmlOut Raw(string xml)
    {
        sb.Append(xml);
        return this;
    }

    /// <summary>
    /// Escapes element text (quotes need no escaping outside attributes). CR is written as a character reference: a
    /// parser turns a raw CR into LF, and with none in the text a line-based transport (SSE) splits only at LF.
    /// Characters XML 1.0 cannot carry become U+FFFD: the output stays well-formed whatever reached it.
    /// </summary>
    public static void Escape(StringBuilder sb, string text)
    {
        text = XmlChars.Sanitize(text);
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var replacement = text[i] switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '\r' => "&#13;",
                _ => null,
            };
            if (replacement is null)
            {
                continue;
            }

            sb.Append(text, start, i - start).Append(replacement);
            start = i + 1;
        }

        sb.Append(text, start, text.Length - start);
    }

    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        Escape(sb, text);
        return sb.ToString();
    }
}
