using System.Text;
using MrdSimulator.Domain.Directory;

namespace MrdSimulator.Domain.Xml;

public static class ReasonCodeXml
{
    /// <summary>Embedded form used inside Media (category, code, forAll, id, label, uri — DN:media-api-parameters).</summary>
    public static void Write(XmlOut x, ReasonCode code) =>
        x.Open("ReasonCode")
            .Element("category", code.Category.ToWire())
            .Element("code", code.Code)
            .Element("forAll", code.ForAll)
            .Element("id", code.Id)
            .Element("label", code.Label)
            .Element("uri", code.Uri)
            .Close("ReasonCode");

    /// <summary>Standalone form (User—Get Reason Code, G125-52): uri first, as the list page prints it.</summary>
    public static void WriteStandalone(XmlOut x, ReasonCode code) =>
        x.Open("ReasonCode")
            .Element("uri", code.Uri)
            .Element("category", code.Category.ToWire())
            .Element("code", code.Code)
            .Element("label", code.Label)
            .Element("forAll", code.ForAll)
            .Element("id", code.Id)
            .Close("ReasonCode");

    public static string Single(ReasonCode code)
    {
        var sb = new StringBuilder(320).Append(XmlOut.Declaration);
        WriteStandalone(new XmlOut(sb), code);
        return sb.ToString();
    }

    public static string List(ReasonCodeCategory category, IEnumerable<ReasonCode> codes)
    {
        var sb = new StringBuilder(1024).Append(XmlOut.Declaration);
        sb.Append("<ReasonCodes category=\"").Append(category.ToWire()).Append("\">");
        var x = new XmlOut(sb);
        foreach (var code in codes)
        {
            WriteStandalone(x, code);
        }

        x.Close("ReasonCodes");
        return sb.ToString();
    }
}
