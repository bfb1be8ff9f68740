using System.Text;

namespace MrdSimulator.Domain.Xml;

public enum UpdateEvent
{
    Put,
    Post,
    Delete,
}

/// <summary>
/// The notification envelope <c>&lt;Update&gt;&lt;data/&gt;&lt;event/&gt;&lt;requestId/&gt;&lt;source/&gt;&lt;/Update&gt;</c>
/// (order of the G125-367 sample; events upper case as finesse.js expects).
/// </summary>
public static class UpdateXml
{
    public static string ToWire(this UpdateEvent e) => e switch
    {
        UpdateEvent.Put => "PUT",
        UpdateEvent.Post => "POST",
        UpdateEvent.Delete => "DELETE",
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };

    public static string Write(UpdateEvent e, string source, string? requestId, Action<XmlOut> writeData)
    {
        var sb = new StringBuilder(800);
        var x = new XmlOut(sb).Open("Update").Open("data");
        writeData(x);
        x.Close("data")
            .Element("event", e.ToWire())
            .Element("requestId", requestId)
            .Element("source", source)
            .Close("Update");
        return sb.ToString();
    }
}
