using System.Xml.Linq;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Domain.Tests.Xml;

/// <summary>Whatever text reaches the writer, what it writes parses back to that text.</summary>
public sealed class XmlOutTests
{
    [Fact]
    public void ACarriageReturnIsWrittenAsACharacterReferenceSoAParserKeepsItAndNoRawCrIsWritten()
    {
        var escaped = XmlOut.Escape("a\r\nb\rc");

        Assert.Equal("a&#13;\nb&#13;c", escaped);
        Assert.Equal("a\r\nb\rc", XElement.Parse($"<v>{escaped}</v>").Value);
    }

    // Code points, not strings: a test framework passes a lone surrogate in a string on as U+FFFD.
    [Theory]
    [InlineData(0x00)]
    [InlineData(0x01, 0x62)]
    [InlineData(0x1F)]
    [InlineData(0xFFFE)]
    [InlineData(0xFFFF)]
    [InlineData(0x61, 0xD800, 0x62)]
    [InlineData(0x61, 0xDC00, 0x62)]
    [InlineData(0x61, 0xDBFF)]
    [InlineData(0xDC00, 0xD800)]
    public void CharactersXml10CannotCarryBecomeU_FFFDInEveryWriterSoTheOutputStaysWellFormed(params int[] chars)
    {
        var text = new string([.. chars.Select(c => (char)c)]);
        Assert.NotEqual(-1, XmlChars.IndexOfInvalid(text));

        var update = UpdateXml.Write(UpdateEvent.Put, "/s/" + text, text, x => x.Element("value", text));
        var errors = ApiErrorsXml.Http(new Errors.ApiError(400, "Invalid Input", text, text, text));

        foreach (var xml in new[] { update, errors, XmlOut.Escape(text) is var escaped ? $"<v>{escaped}</v>" : "" })
        {
            Assert.Equal(-1, XmlChars.IndexOfInvalid(xml));
            Assert.Contains(XmlChars.Replacement, xml);
            XDocument.Parse(xml);
        }
    }

    [Fact]
    public void TabLineFeedSurrogatePairsAndTheLastValidCharactersAreKeptAsTheyAre()
    {
        const string text = "\t\n\U0001F600\uD7FF\uE000\uFFFD\u0085";

        Assert.Equal(-1, XmlChars.IndexOfInvalid(text));
        Assert.Same(text, XmlChars.Sanitize(text));
        Assert.Equal(text, XElement.Parse($"<v>{XmlOut.Escape(text)}</v>").Value);
    }
}
