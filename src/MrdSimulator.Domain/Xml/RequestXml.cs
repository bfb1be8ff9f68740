using System.Xml;
using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Domain.Xml;

/// <summary>Shared XmlReader handling for request bodies: no DTDs, no external entities, bounded size.</summary>
public static class RequestXml
{
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly XmlReaderSettings Settings = SafeSettings(MaxBodyBytes);

    /// <summary>Reader settings for untrusted request bodies: no DTDs or external entities, at most <paramref name="maxCharacters"/>.</summary>
    public static XmlReaderSettings SafeSettings(int maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        MaxCharactersInDocument = maxCharacters,
        CloseInput = true,
    };

    /// <summary>
    /// Reads a flat document <c>&lt;root&gt;&lt;field&gt;text&lt;/field&gt;…&lt;/root&gt;</c>, calling
    /// <paramref name="onField"/> for each child. Returns the error to answer with, or null.
    /// </summary>
    public static ApiError? ReadFlat(ReadOnlyMemory<byte> body, string root, string? errorMedia, Func<string, string, ApiError?> onField)
    {
        if (body.IsEmpty)
        {
            return ApiError.BadRequest("The request body is empty", root, errorMedia);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var reader = XmlReader.Create(new ReadOnlyMemoryStream(body), Settings);
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != root || reader.NamespaceURI.Length != 0)
            {
                return ApiError.BadRequest($"Expected a {root} element but found {reader.Name}", root, errorMedia);
            }

            if (reader.IsEmptyElement)
            {
                return Drain(reader);
            }

            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    return ApiError.InvalidInput(root, $"Unexpected content directly inside {root}", errorMedia);
                }

                var name = reader.LocalName;
                if (!seen.Add(name))
                {
                    return ApiError.InvalidInput(name, $"The {name} element appears more than once", errorMedia);
                }

                string text;
                try
                {
                    text = reader.ReadElementContentAsString().Trim();
                }
                catch (XmlException) when (reader.NodeType == XmlNodeType.Element)
                {
                    return ApiError.InvalidInput(name, $"The {name} element must contain text only", errorMedia);
                }

                if (onField(name, text) is { } error)
                {
                    return error;
                }
            }

            return Drain(reader);
        }
        catch (XmlException ex)
        {
            return ApiError.BadRequest($"The request body is not well-formed XML: {ex.Message}", root, errorMedia);
        }

        // Reads to the end so that trailing garbage after the root is reported as malformed.
        ApiError? Drain(XmlReader reader)
        {
            while (reader.Read())
            {
            }

            return null;
        }
    }

    /// <summary>
    /// A read-only stream over memory without copying it. Seekable on purpose: XmlReader sizes its byte and char
    /// buffers to a seekable stream's length, so a 100-byte body costs buffers of 100 bytes instead of 4 KB and 8 KB.
    /// </summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => memory.Length + offset,
            };
            ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
            _position = (int)Math.Min(target, memory.Length);
            return _position;
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
