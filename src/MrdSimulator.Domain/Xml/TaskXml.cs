using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Tasks;

namespace MrdSimulator.Domain.Xml;

/// <summary>CCP task-poll responses, CCP error bodies and Finesse's ScriptSelectors list.</summary>
public static class TaskXml
{
    /// <summary>
    /// <c>&lt;Task&gt;</c> as the poll returns it (ccp §4.1): estimatedWaitTime only while queued,
    /// taskID/agentID only while reserved or handled, plus refURL for Cisco's sample client.
    /// </summary>
    public static string Status(ContactStatus status, string statusReason, int? estimatedWaitTime, string? taskId, string? agentId, string refUrl)
    {
        var sb = new StringBuilder(400).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("Task");
        if (status == ContactStatus.Queued)
        {
            x.Element("estimatedWaitTime", estimatedWaitTime ?? -1);
        }

        x.Element("refURL", refUrl).Element("status", status.ToWire()).Element("statusReason", statusReason);
        if (status is ContactStatus.Reserved or ContactStatus.Handled)
        {
            x.Element("taskID", taskId).Element("agentID", agentId);
        }

        x.Close("Task");
        return sb.ToString();
    }

    public static string Errors(ApiError error)
    {
        var sb = new StringBuilder(300).Append(XmlOut.Declaration);
        ApiErrorsXml.WriteAsync(new XmlOut(sb), error);
        return sb.ToString();
    }

    /// <summary>
    /// <c>GET /finesse/api/ScriptSelectors</c> (12.6(2)): Name is <c>&lt;routing client&gt;.&lt;dialed number&gt;</c>,
    /// DialedNumber the string a task names; Description omitted when empty.
    /// </summary>
    public static string ScriptSelectors(IEnumerable<ScriptSelector> selectors, string routingClient)
    {
        var sb = new StringBuilder(1024).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("ScriptSelectors");
        foreach (var selector in selectors)
        {
            x.Open("ScriptSelector")
                .Element("MrdID", selector.MrdId)
                .Element("Name", routingClient + "." + selector.Name)
                .Element("DialedNumber", selector.Name);
            if (!string.IsNullOrEmpty(selector.Description))
            {
                x.Element("Description", selector.Description);
            }

            x.Close("ScriptSelector");
        }

        x.Close("ScriptSelectors");
        return sb.ToString();
    }
}
