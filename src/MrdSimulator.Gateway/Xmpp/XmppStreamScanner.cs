using System.Buffers;

namespace MrdSimulator.Gateway.Xmpp;

internal enum ScanResult
{
    /// <summary>More bytes are needed.</summary>
    NeedMore,

    /// <summary>The opening tag of the stream (<c>&lt;stream:stream …&gt;</c>).</summary>
    StreamOpen,

    /// <summary>One complete first-level element.</summary>
    Stanza,

    /// <summary>The closing tag of the stream.</summary>
    StreamClose,
}

/// <summary>
/// Splits a TCP byte stream into the stream header, first-level elements and the closing tag, without
/// parsing them: each element found is then parsed on its own by <see cref="XmlIn"/> (a real XML parser with
/// DTDs prohibited). Works on bytes (all markup is ASCII, so UTF-8 needs no decoding here), keeps at most one
/// element plus one read in memory, and refuses what RFC 6120 §11.1 forbids (comments, processing
/// instructions, DTDs) and elements larger than the configured limit.
/// </summary>
internal sealed class XmppStreamScanner(int maxElementBytes) : IDisposable
{
    internal static readonly SearchValues<byte> NameEnd = SearchValues.Create(" \t\r\n/>"u8);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1024);
    private int _start;   // first byte not yet handed out
    private int _end;     // end of received data
    private int _pos;     // scan position
    private bool _inStream;
    private int _elementStart = -1;
    private int _elementDepth;
    private byte[] _streamEndTag = [];

    /// <summary>Bytes of the pending (incomplete) element, for tests and limits.</summary>
    public int Pending => _end - _start;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_end + data.Length > _buffer.Length)
        {
            var live = _end - _start;
            if (live + data.Length > maxElementBytes + 64 * 1024)
            {
                throw XmppStreamException.PolicyViolation($"stanza larger than {maxElementBytes} bytes");
            }

            var target = _buffer;
            if (live + data.Length > _buffer.Length)
            {
                target = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, live + data.Length));
            }

            Buffer.BlockCopy(_buffer, _start, target, 0, live);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _pos -= _start;
            if (_elementStart >= 0)
            {
                _elementStart -= _start;
            }

            _end = live;
            _start = 0;
        }

        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>A new stream starts on the same connection (after SASL success).</summary>
    public void Reset()
    {
        _inStream = false;
        _elementStart = -1;
        _elementDepth = 0;
    }

    /// <summary>Finds the next item; <paramref name="element"/> stays valid until the next <see cref="Append"/>.</summary>
    public ScanResult Next(out ReadOnlyMemory<byte> element)
    {
        element = default;
        while (_pos < _end)
        {
            if (_elementStart < 0)
            {
                var b = _buffer[_pos];
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    _start = ++_pos;
                    continue;
                }

                if (b != (byte)'<')
                {
                    throw XmppStreamException.NotWellFormed("character data outside a stanza");
                }

                var markup = ScanMarkup(_pos, out var tagEnd);
                if (markup == Markup.Incomplete)
                {
                    CheckSize(_pos);
                    return ScanResult.NeedMore;
                }

                switch (markup)
                {
                    case Markup.Declaration when !_inStream:
                        _start = _pos = tagEnd;
                        continue;
                    case Markup.EndTag when _inStream:
                        if (!_buffer.AsSpan(_pos, tagEnd - _pos).SequenceEqual(_streamEndTag))
                        {
                            throw XmppStreamException.NotWellFormed("end tag does not match the stream header");
                        }

                        _inStream = false;
                        return Take(_pos, tagEnd, ScanResult.StreamClose, out element);
                    case Markup.StartTag when !_inStream:
                        _inStream = true;
                        _streamEndTag = EndTagFor(_buffer.AsSpan(_pos, tagEnd - _pos));
                        return Take(_pos, tagEnd, ScanResult.StreamOpen, out element);
                    case Markup.EmptyTag when _inStream:
                        return Take(_pos, tagEnd, ScanResult.Stanza, out element);
                    case Markup.StartTag:
                        _elementStart = _pos;
                        _elementDepth = 1;
                        _pos = tagEnd;
                        continue;
                    default:
                        throw Refuse(markup);
                }
            }

            var next = _buffer.AsSpan(_pos, _end - _pos).IndexOf((byte)'<');
            if (next < 0)
            {
                _pos = _end;
                CheckSize(_elementStart);
                return ScanResult.NeedMore;
            }

            _pos += next;
            var kind = ScanMarkup(_pos, out var end);
            switch (kind)
            {
                case Markup.Incomplete:
                    CheckSize(_elementStart);
                    return ScanResult.NeedMore;
                case Markup.StartTag:
                    _elementDepth++;
                    break;
                case Markup.EmptyTag or Markup.CData:
                    break;
                case Markup.EndTag:
                    if (--_elementDepth == 0)
                    {
                        var from = _elementStart;
                        _elementStart = -1;
                        CheckSize(from, end);
                        return Take(from, end, ScanResult.Stanza, out element);
                    }

                    break;
                default:
                    throw Refuse(kind);
            }

            _pos = end;
            CheckSize(_elementStart, end);
        }

        return ScanResult.NeedMore;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] EndTagFor(ReadOnlySpan<byte> startTag)
    {
        var name = startTag[1..];
        var end = name.IndexOfAny(NameEnd);
        name = end < 0 ? name : name[..end];
        return [(byte)'<', (byte)'/', .. name, (byte)'>'];
    }

    private ScanResult Take(int from, int to, ScanResult result, out ReadOnlyMemory<byte> element)
    {
        element = _buffer.AsMemory(from, to - from);
        _start = _pos = to;
        return result;
    }

    private void CheckSize(int from, int? to = null)
    {
        if ((to ?? _end) - from > maxElementBytes)
        {
            throw XmppStreamException.PolicyViolation($"stanza larger than {maxElementBytes} bytes");
        }
    }

    private static XmppStreamException Refuse(Markup markup) => markup switch
    {
        Markup.Comment => XmppStreamException.RestrictedXml("XML comments are not allowed in XMPP"),
        Markup.ProcessingInstruction or Markup.Declaration => XmppStreamException.RestrictedXml("processing instructions are not allowed in XMPP"),
        Markup.Doctype => XmppStreamException.RestrictedXml("document type declarations are not allowed in XMPP"),
        _ => XmppStreamException.NotWellFormed("unexpected markup"),
    };

    private Markup ScanMarkup(int at, out int end)
    {
        end = 0;
        var span = _buffer.AsSpan(at, _end - at);
        if (span.Length < 2)
        {
            return Markup.Incomplete;
        }

        switch (span[1])
        {
            case (byte)'/':
                {
                    var close = span.IndexOf((byte)'>');
                    if (close < 0)
                    {
                        return Markup.Incomplete;
                    }

                    end = at + close + 1;
                    return Markup.EndTag;
                }

            case (byte)'?':
                {
                    var close = span.IndexOf("?>"u8);
                    if (close < 0)
                    {
                        return span.Length >= 6 && !span.StartsWith("<?xml"u8) ? Markup.ProcessingInstruction : Markup.Incomplete;
                    }

                    end = at + close + 2;
                    return span.StartsWith("<?xml "u8) || span.StartsWith("<?xml\t"u8) || span.StartsWith("<?xml\r"u8) || span.StartsWith("<?xml\n"u8)
                        ? Markup.Declaration
                        : Markup.ProcessingInstruction;
                }

            case (byte)'!':
                {
                    if (span.Length < 3)
                    {
                        return Markup.Incomplete;
                    }

                    if (span[2] == (byte)'-')
                    {
                        return Markup.Comment;
                    }

                    if (span[2] != (byte)'[')
                    {
                        return Markup.Doctype;
                    }

                    if (span.Length < 9)
                    {
                        return Markup.Incomplete;
                    }

                    if (!span.StartsWith("<![CDATA["u8))
                    {
                        return Markup.Bad;
                    }

                    var close = span.IndexOf("]]>"u8);
                    if (close < 0)
                    {
                        return Markup.Incomplete;
                    }

                    end = at + close + 3;
                    return Markup.CData;
                }

            default:
                {
                    byte quote = 0;
                    for (var i = 1; i < span.Length; i++)
                    {
                        var c = span[i];
                        if (quote != 0)
                        {
                            if (c == quote)
                            {
                                quote = 0;
                            }
                        }
                        else if (c is (byte)'"' or (byte)'\'')
                        {
                            quote = c;
                        }
                        else if (c == (byte)'<')
                        {
                            return Markup.Bad;
                        }
                        else if (c == (byte)'>')
                        {
                            end = at + i + 1;
                            return span[i - 1] == (byte)'/' ? Markup.EmptyTag : Markup.StartTag;
                        }
                    }

                    return Markup.Incomplete;
                }
        }
    }

    private enum Markup
    {
        Incomplete,
        StartTag,
        EmptyTag,
        EndTag,
        CData,
        Declaration,
        ProcessingInstruction,
        Comment,
        Doctype,
        Bad,
    }
}
