using System.Buffers;
using System.Globalization;
using System.Text;

namespace MrdSimulator.Load.Finesse.Xmpp;

/// <summary>A malformed or forbidden construct in the server's stream; the connection is dropped and re-opened.</summary>
public sealed class XmppProtocolException(string message) : Exception(message);

/// <summary>What <see cref="XmppFramer.Next"/> found at the start of the buffer.</summary>
internal enum FrameKind
{
    /// <summary>No complete item yet: read more.</summary>
    NeedMore,

    /// <summary>The stream header <c>&lt;stream:stream …&gt;</c> (open tag only).</summary>
    StreamOpen,

    /// <summary>One complete first-level element (a stanza, features, a stream error…).</summary>
    Element,

    /// <summary><c>&lt;/stream:stream&gt;</c>.</summary>
    StreamClose,
}

/// <summary>
/// Splits the byte stream of an RFC 6120 TCP stream into first-level items without parsing them: it only tracks
/// tags, quotes and depth. Whitespace keepalives and the XML declaration are skipped; comments, processing
/// instructions and DTDs are refused (RFC 6120 §11.1), so nothing can expand entities or reach outside.
/// </summary>
internal static class XmppFramer
{
    /// <summary>
    /// Finds the next item at the start of <paramref name="data"/>: it spans [<paramref name="start"/>,
    /// <paramref name="consumed"/>); the bytes before <paramref name="consumed"/> may be dropped once it is handled
    /// (for <see cref="FrameKind.NeedMore"/>: skipped whitespace and the XML declaration).
    /// </summary>
    public static FrameKind Next(ReadOnlySpan<byte> data, bool streamOpen, int maxItemBytes, out int start, out int consumed)
    {
        var i = 0;
        while (true)
        {
            while (i < data.Length && IsSpace(data[i]))
            {
                i++;
            }

            start = i;
            consumed = i;
            if (i + 1 >= data.Length)
            {
                if (i < data.Length && data[i] != (byte)'<')
                {
                    throw new XmppProtocolException("text outside a stanza");
                }

                return FrameKind.NeedMore;
            }

            if (data[i] != (byte)'<')
            {
                throw new XmppProtocolException("text outside a stanza");
            }

            if (data[i + 1] != (byte)'?')
            {
                break;
            }

            // Only the XML declaration, and only before the stream header.
            var end = data[i..].IndexOf("?>"u8);
            if (end < 0)
            {
                return Bounded(data.Length - i, maxItemBytes);
            }

            if (streamOpen || !data[i..].StartsWith("<?xml"u8))
            {
                throw new XmppProtocolException("processing instruction in the stream");
            }

            i += end + 2;
        }

        switch (data[i + 1])
        {
            case (byte)'!':
                throw new XmppProtocolException("comment, CDATA or DTD outside a stanza");
            case (byte)'/':
                {
                    var end = data[i..].IndexOf((byte)'>');
                    if (end < 0)
                    {
                        return Bounded(data.Length - i, maxItemBytes);
                    }

                    consumed = i + end + 1;
                    return FrameKind.StreamClose;
                }
        }

        if (!streamOpen)
        {
            var end = TagEnd(data, i + 1);
            if (end < 0)
            {
                return Bounded(data.Length - i, maxItemBytes);
            }

            consumed = end + 1;
            return FrameKind.StreamOpen;
        }

        var stop = ElementEnd(data, i);
        if (stop < 0)
        {
            return Bounded(data.Length - i, maxItemBytes);
        }

        if (stop - i > maxItemBytes)
        {
            throw new XmppProtocolException($"a stanza of more than {maxItemBytes} bytes");
        }

        consumed = stop;
        return FrameKind.Element;
    }

    private static FrameKind Bounded(int pending, int max) =>
        pending > max ? throw new XmppProtocolException($"a stanza of more than {max} bytes") : FrameKind.NeedMore;

    /// <summary>Index just past the element starting at <paramref name="at"/>, or -1 when incomplete.</summary>
    private static int ElementEnd(ReadOnlySpan<byte> data, int at)
    {
        var depth = 0;
        var i = at;
        while (true)
        {
            var lt = data[i..].IndexOf((byte)'<');
            if (lt < 0)
            {
                return -1;
            }

            i += lt;
            if (i + 1 >= data.Length)
            {
                return -1;
            }

            switch (data[i + 1])
            {
                case (byte)'/':
                    {
                        var gt = data[i..].IndexOf((byte)'>');
                        if (gt < 0)
                        {
                            return -1;
                        }

                        i += gt + 1;
                        if (--depth == 0)
                        {
                            return i;
                        }

                        continue;
                    }

                case (byte)'!':
                    {
                        if (data.Length - i < 9)
                        {
                            return "<![CDATA["u8.StartsWith(data[i..]) ? -1 : throw Restricted();
                        }

                        if (!data[i..].StartsWith("<![CDATA["u8))
                        {
                            throw Restricted();
                        }

                        var end = data[(i + 9)..].IndexOf("]]>"u8);
                        if (end < 0)
                        {
                            return -1;
                        }

                        i += 9 + end + 3;
                        continue;
                    }

                case (byte)'?':
                    throw Restricted();
            }

            var close = TagEnd(data, i + 1);
            if (close < 0)
            {
                return -1;
            }

            var empty = data[close - 1] == (byte)'/';
            i = close + 1;
            if (!empty)
            {
                depth++;
            }
            else if (depth == 0)
            {
                return i;
            }
        }
    }

    private static XmppProtocolException Restricted() => new("comment, processing instruction or DTD in a stanza");

    /// <summary>Index of the '&gt;' closing the tag whose name starts at <paramref name="from"/>, quotes respected; -1 when incomplete.</summary>
    internal static int TagEnd(ReadOnlySpan<byte> data, int from)
    {
        var i = from;
        while (i < data.Length)
        {
            var next = data[i..].IndexOfAny((byte)'>', (byte)'\'', (byte)'"');
            if (next < 0)
            {
                return -1;
            }

            i += next;
            var c = data[i];
            if (c == (byte)'>')
            {
                return i;
            }

            var endQuote = data[(i + 1)..].IndexOf(c);
            if (endQuote < 0)
            {
                return -1;
            }

            i += endQuote + 2;
        }

        return -1;
    }

    internal static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}

/// <summary>Kinds of <see cref="XmlSpanReader"/> tokens.</summary>
internal enum XmlToken
{
    None,
    StartElement,
    EndElement,
    Text,
    CData,
}

/// <summary>
/// A forward-only tokenizer over one complete element (UTF-8), allocation-free: names, attribute regions and
/// text are slices of the input. It checks that end tags match and bounds the depth; entity references are
/// decoded only by <see cref="XmlText"/>, which knows the five predefined entities and character references.
/// </summary>
internal ref struct XmlSpanReader
{
    private const int MaxDepth = 32;
    private readonly ReadOnlySpan<byte> _data;
    private readonly Span<int> _open;
    private int _pos;

    /// <param name="data">The element.</param>
    /// <param name="openTags">Scratch for the open tags (2 ints a level, at least 64).</param>
    public XmlSpanReader(ReadOnlySpan<byte> data, Span<int> openTags)
    {
        _data = data;
        _open = openTags;
    }

    public XmlToken Token { get; private set; }

    /// <summary>Depth of the current element (1 = the outermost), or of the text's parent.</summary>
    public int Depth { get; private set; }

    /// <summary>Qualified name of a start or end tag.</summary>
    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>Raw attribute region of a start tag (after the name, before '>' or '/>').</summary>
    public ReadOnlySpan<byte> Attributes { get; private set; }

    public bool IsEmpty { get; private set; }

    /// <summary>Raw text (entities not decoded) or CDATA content.</summary>
    public ReadOnlySpan<byte> Text { get; private set; }

    /// <summary>Offset of the first byte after the current token.</summary>
    public readonly int Position => _pos;

    /// <summary>Offset where the current token starts.</summary>
    public int TokenStart { get; private set; }

    /// <summary>Qualified name of the open element at <paramref name="depth"/> (1-based).</summary>
    public readonly ReadOnlySpan<byte> OpenName(int depth) => _data.Slice(_open[(depth - 1) * 2], _open[((depth - 1) * 2) + 1]);

    /// <summary>Raw attribute region of the open element at <paramref name="depth"/> (1-based).</summary>
    public readonly ReadOnlySpan<byte> OpenAttributes(int depth)
    {
        var nameEnd = _open[(depth - 1) * 2] + _open[((depth - 1) * 2) + 1];
        var gt = XmppFramer.TagEnd(_data, nameEnd);
        var attributes = _data[nameEnd..gt];
        return attributes.Length > 0 && attributes[^1] == (byte)'/' ? attributes[..^1] : attributes;
    }

    public bool Read()
    {
        if (Token == XmlToken.StartElement && IsEmpty)
        {
            Depth--;
        }
        else if (Token == XmlToken.EndElement)
        {
            Depth--;
        }

        if (_pos >= _data.Length || (Depth == 0 && Token != XmlToken.None))
        {
            Token = XmlToken.None;
            return false;
        }

        TokenStart = _pos;
        var rest = _data[_pos..];
        if (rest[0] != (byte)'<')
        {
            var lt = rest.IndexOf((byte)'<');
            var length = lt < 0 ? rest.Length : lt;
            Token = XmlToken.Text;
            Text = rest[..length];
            _pos += length;
            return true;
        }

        if (rest.StartsWith("<![CDATA["u8))
        {
            var end = rest[9..].IndexOf("]]>"u8);
            if (end < 0)
            {
                throw new XmppProtocolException("unterminated CDATA");
            }

            Token = XmlToken.CData;
            Text = rest.Slice(9, end);
            _pos += 9 + end + 3;
            return true;
        }

        if (rest.Length > 1 && rest[1] is (byte)'!' or (byte)'?')
        {
            throw new XmppProtocolException("comment, processing instruction or DTD in a stanza");
        }

        var gt = XmppFramer.TagEnd(rest, 1);
        if (gt < 0)
        {
            throw new XmppProtocolException("unterminated tag");
        }

        if (rest.Length > 1 && rest[1] == (byte)'/')
        {
            var name = rest[2..gt].TrimEnd(" \t\r\n"u8);
            if (Depth == 0 || !name.SequenceEqual(OpenName(Depth)))
            {
                throw new XmppProtocolException("mismatched end tag");
            }

            Token = XmlToken.EndElement;
            Name = name;
            _pos += gt + 1;
            return true;
        }

        var tag = rest[1..gt];
        var empty = tag.Length > 0 && tag[^1] == (byte)'/';
        if (empty)
        {
            tag = tag[..^1];
        }

        var nameEnd = tag.IndexOfAny(" \t\r\n"u8);
        var qname = nameEnd < 0 ? tag : tag[..nameEnd];
        if (qname.IsEmpty)
        {
            throw new XmppProtocolException("empty element name");
        }

        Token = XmlToken.StartElement;
        Name = qname;
        Attributes = nameEnd < 0 ? default : tag[nameEnd..];
        IsEmpty = empty;
        Depth++;
        if (Depth > MaxDepth || Depth * 2 > _open.Length)
        {
            throw new XmppProtocolException($"elements nested more than {MaxDepth} deep");
        }

        _open[(Depth - 1) * 2] = _pos + 1;
        _open[((Depth - 1) * 2) + 1] = qname.Length;
        _pos += gt + 1;
        return true;
    }

    /// <summary>Skips to the end tag of the current start element (no-op for an empty one).</summary>
    public void Skip()
    {
        if (Token != XmlToken.StartElement || IsEmpty)
        {
            return;
        }

        var depth = Depth;
        while (Read())
        {
            if (Token == XmlToken.EndElement && Depth == depth)
            {
                return;
            }
        }
    }

    /// <summary>The raw value of attribute <paramref name="qname"/> in an attribute region.</summary>
    public static bool TryGetAttribute(ReadOnlySpan<byte> attributes, ReadOnlySpan<byte> qname, out ReadOnlySpan<byte> rawValue)
    {
        var rest = attributes;
        while (true)
        {
            rest = rest.TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty)
            {
                rawValue = default;
                return false;
            }

            var eq = rest.IndexOf((byte)'=');
            if (eq < 0)
            {
                throw new XmppProtocolException("attribute without a value");
            }

            var name = rest[..eq].TrimEnd(" \t\r\n"u8);
            rest = rest[(eq + 1)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] is not ((byte)'\'' or (byte)'"'))
            {
                throw new XmppProtocolException("unquoted attribute value");
            }

            var end = rest[1..].IndexOf(rest[0]);
            if (end < 0)
            {
                throw new XmppProtocolException("unterminated attribute value");
            }

            var value = rest.Slice(1, end);
            rest = rest[(end + 2)..];
            if (name.SequenceEqual(qname))
            {
                rawValue = value;
                return true;
            }
        }
    }
}

/// <summary>Namespace-aware names on top of <see cref="XmlSpanReader"/>: resolves a prefix through the open elements.</summary>
internal static class XmlNames
{
    public static ReadOnlySpan<byte> LocalName(ReadOnlySpan<byte> qname)
    {
        var colon = qname.IndexOf((byte)':');
        return colon < 0 ? qname : qname[(colon + 1)..];
    }

    /// <summary>
    /// True when the current start element of <paramref name="reader"/> is in namespace <paramref name="ns"/>: its
    /// prefix (or the default namespace) is looked up on the element itself, then on its open ancestors;
    /// <paramref name="inherited"/> is the default namespace outside the element (jabber:client).
    /// </summary>
    public static bool IsIn(ref XmlSpanReader reader, ReadOnlySpan<byte> ns, ReadOnlySpan<byte> inherited)
    {
        var qname = reader.Name;
        var colon = qname.IndexOf((byte)':');
        Span<byte> declName = stackalloc byte[64];
        int declLength;
        if (colon < 0)
        {
            "xmlns"u8.CopyTo(declName);
            declLength = 5;
        }
        else
        {
            var prefix = qname[..colon];
            if (prefix.Length > 58)
            {
                return false;
            }

            "xmlns:"u8.CopyTo(declName);
            prefix.CopyTo(declName[6..]);
            declLength = 6 + prefix.Length;
        }

        var decl = declName[..declLength];
        if (XmlSpanReader.TryGetAttribute(reader.Attributes, decl, out var value))
        {
            return value.SequenceEqual(ns);
        }

        for (var depth = reader.Depth - 1; depth >= 1; depth--)
        {
            if (XmlSpanReader.TryGetAttribute(reader.OpenAttributes(depth), decl, out value))
            {
                return value.SequenceEqual(ns);
            }
        }

        return colon < 0 && ns.SequenceEqual(inherited);
    }
}

/// <summary>Decodes XML character data (UTF-8, with entity and character references) into a string.</summary>
internal static class XmlText
{
    /// <summary>Appends the decoded text to <paramref name="chars"/> at <paramref name="at"/>; returns the new length.</summary>
    public static int Append(ReadOnlySpan<byte> raw, char[] chars, int at, bool literal)
    {
        if (literal)
        {
            return at + Encoding.UTF8.GetChars(raw, chars.AsSpan(at));
        }

        var rest = raw;
        while (true)
        {
            var amp = rest.IndexOf((byte)'&');
            var run = amp < 0 ? rest : rest[..amp];
            at += Encoding.UTF8.GetChars(run, chars.AsSpan(at));
            if (amp < 0)
            {
                return at;
            }

            rest = rest[(amp + 1)..];
            var semi = rest.IndexOf((byte)';');
            if (semi < 1 || semi > 10)
            {
                throw new XmppProtocolException("malformed entity reference");
            }

            var entity = rest[..semi];
            rest = rest[(semi + 1)..];
            if (entity.SequenceEqual("lt"u8))
            {
                chars[at++] = '<';
            }
            else if (entity.SequenceEqual("gt"u8))
            {
                chars[at++] = '>';
            }
            else if (entity.SequenceEqual("amp"u8))
            {
                chars[at++] = '&';
            }
            else if (entity.SequenceEqual("quot"u8))
            {
                chars[at++] = '"';
            }
            else if (entity.SequenceEqual("apos"u8))
            {
                chars[at++] = '\'';
            }
            else if (entity[0] == (byte)'#')
            {
                var hex = entity.Length > 1 && entity[1] == (byte)'x';
                var digits = entity[(hex ? 2 : 1)..];
                if (!int.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var code) ||
                    !Rune.TryCreate(code, out var rune) || (code < 0x20 && code is not (0x9 or 0xA or 0xD)))
                {
                    throw new XmppProtocolException("invalid character reference");
                }

                at += rune.EncodeToUtf16(chars.AsSpan(at));
            }
            else
            {
                // No DTD, so no other entity can be declared: refusing it is what a conforming parser does.
                throw new XmppProtocolException("undeclared entity reference");
            }
        }
    }
}

/// <summary>Receives the Update documents found in an event message.</summary>
internal interface IUpdateTarget
{
    void OnUpdate(string xml);
}

internal enum StanzaKind
{
    Message,
    Presence,
    Other,
}

/// <summary>
/// Reads XEP-0060 event messages in place: <c>message/event/items/item/notification</c>, namespaces resolved
/// (any prefixes), each notification's text decoded into one string — the only allocation per event besides the
/// Update's own parse. Finesse escapes the Update as text; a server that embeds it as XML is read as it stands.
/// </summary>
internal static class XmppEvents
{
    private static ReadOnlySpan<byte> ClientNs => "jabber:client"u8;

    private static ReadOnlySpan<byte> EventNs => "http://jabber.org/protocol/pubsub#event"u8;

    private static ReadOnlySpan<byte> PubSubNs => "http://jabber.org/protocol/pubsub"u8;

    /// <summary>Hands every Update of a message stanza to <paramref name="target"/>; says what the stanza was.</summary>
    public static StanzaKind Read(ReadOnlySpan<byte> stanza, IUpdateTarget target)
    {
        Span<int> open = stackalloc int[64];
        var reader = new XmlSpanReader(stanza, open);
        reader.Read();
        var local = XmlNames.LocalName(reader.Name);
        if (local.SequenceEqual("presence"u8))
        {
            return StanzaKind.Presence;
        }

        if (!local.SequenceEqual("message"u8) || !XmlNames.IsIn(ref reader, ClientNs, ClientNs))
        {
            return StanzaKind.Other;
        }

        if (reader.IsEmpty)
        {
            return StanzaKind.Message;
        }

        while (reader.Read())
        {
            if (reader.Token != XmlToken.StartElement)
            {
                continue;
            }

            local = XmlNames.LocalName(reader.Name);
            var descend = reader.Depth switch
            {
                2 => local.SequenceEqual("event"u8) && XmlNames.IsIn(ref reader, EventNs, ClientNs),
                3 => local.SequenceEqual("items"u8) && XmlNames.IsIn(ref reader, EventNs, ClientNs),
                4 => local.SequenceEqual("item"u8) && XmlNames.IsIn(ref reader, EventNs, ClientNs),
                _ => false,
            };
            if (descend)
            {
                continue;
            }

            if (reader.Depth == 5 && local.SequenceEqual("notification"u8) && XmlNames.IsIn(ref reader, PubSubNs, ClientNs))
            {
                ReadNotification(ref reader, stanza, target);
                continue;
            }

            reader.Skip();
        }

        return StanzaKind.Message;
    }

    private static void ReadNotification(ref XmlSpanReader reader, ReadOnlySpan<byte> stanza, IUpdateTarget target)
    {
        if (reader.IsEmpty)
        {
            return;
        }

        var depth = reader.Depth;
        var contentStart = reader.Position;
        var hasElements = false;
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(stanza.Length - contentStart));
        try
        {
            var length = 0;
            while (reader.Read())
            {
                if (reader.Token == XmlToken.EndElement && reader.Depth == depth)
                {
                    break;
                }

                switch (reader.Token)
                {
                    case XmlToken.StartElement:
                        hasElements = true;
                        break;
                    case XmlToken.Text when !hasElements:
                        length = XmlText.Append(reader.Text, chars, length, literal: false);
                        break;
                    case XmlToken.CData when !hasElements:
                        length = XmlText.Append(reader.Text, chars, length, literal: true);
                        break;
                }
            }

            target.OnUpdate(hasElements ? Encoding.UTF8.GetString(stanza[contentStart..reader.TokenStart]) : new string(chars, 0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
