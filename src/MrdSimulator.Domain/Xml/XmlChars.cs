namespace MrdSimulator.Domain.Xml;

/// <summary>
/// The characters XML 1.0 can carry (§2.2: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and surrogate pairs). Text
/// from clients is refused at the boundary when it holds others; the writers replace any that still reach them, so
/// what the simulator writes is well-formed whatever it was given.
/// </summary>
public static class XmlChars
{
    public const char Replacement = '\uFFFD';

    /// <summary>The index of the first character XML 1.0 cannot carry (a lone surrogate counts), or -1.</summary>
    public static int IndexOfInvalid(ReadOnlySpan<char> text)
    {
        // Nearly all text lies in U+0020..U+D7FF: a vectorised scan skips it.
        var i = text.IndexOfAnyExceptInRange('\u0020', '\uD7FF');
        if (i < 0)
        {
            return -1;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c < '\u0020')
            {
                if (c is '\t' or '\n' or '\r')
                {
                    continue;
                }

                return i;
            }

            if (c < '\uD800' || c is >= '\uE000' and < '\uFFFE')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return -1;
    }

    /// <summary><paramref name="text"/> itself, or a copy with every character XML 1.0 cannot carry replaced by U+FFFD.</summary>
    public static string Sanitize(string text)
    {
        var at = IndexOfInvalid(text);
        if (at < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var offset = 0; at >= 0; at = IndexOfInvalid(chars.AsSpan(offset)))
        {
            chars[offset + at] = Replacement;
            offset += at + 1;
        }

        return new string(chars);
    }

    /// <summary>Names the character at <paramref name="index"/> (<c>U+0001</c>) for a message that must not quote it.</summary>
    public static string Describe(ReadOnlySpan<char> text, int index) => $"U+{(int)text[index]:X4}";
}
