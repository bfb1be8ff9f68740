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
}
