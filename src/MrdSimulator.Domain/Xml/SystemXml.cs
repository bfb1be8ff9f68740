using System.Text;
using MrdSimulator.Domain.Directory;

namespace MrdSimulator.Domain.Xml;

/// <summary>SystemInfo and the minimal User object (shapes from general Finesse documentation; see docs/fidelity.md).</summary>
public static class SystemXml
{
    public static string SystemInfo(string status, string xmppDomain, string xmppPubSubDomain)
    {
        var sb = new StringBuilder(400).Append(XmlOut.Declaration);
        new XmlOut(sb).Open("SystemInfo")
            .Element("deploymentType", "UCCE")
            .Element("status", status)
            .Element("uri", "/finesse/api/SystemInfo")
            .Element("xmppDomain", xmppDomain)
            .Element("xmppPubSubDomain", xmppPubSubDomain)
            .Close("SystemInfo");
        return sb.ToString();
    }

    public static string User(User user)
    {
        var sb = new StringBuilder(600).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("User")
            .Element("uri", $"/finesse/api/User/{user.Id}")
            .Element("firstName", user.FirstName)
            .Element("lastName", user.LastName)
            .Element("loginId", user.Id)
            .Element("loginName", user.Id)
            .Open("roles").Element("role", "Agent");
        if (user.Role == UserRole.Supervisor)
        {
            x.Element("role", "Supervisor");
        }

        x.Close("roles")
            .Element("teamId", user.TeamId)
            .Element("teamName", user.TeamName)
            .Close("User");
        return sb.ToString();
    }
}
