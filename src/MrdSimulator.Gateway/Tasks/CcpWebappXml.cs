using System.Globalization;
using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.Domain.Xml;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Gateway.Tasks;

/// <summary>
/// The bodies of CCP's authenticated <c>ccp-webapp</c> APIs: the feed list (ccp §6.1) and the social contact
/// (ccp §6.2). Elements in alphabetical order, as CCP's documented Feed shows them; dates in epoch milliseconds.
/// </summary>
public static class CcpWebappXml
{
    /// <summary>Feed type of a task request feed (ccp §6.1).</summary>
    public const int TaskFeedType = 12;

    /// <summary>The social contact's <c>sourceType</c> for a task (undocumented for tasks; the simulator's choice).</summary>
    public const string TaskSourceType = "task";

    public static string Feeds(IEnumerable<TaskFeed> feeds, string baseUrl)
    {
        var sb = new StringBuilder(512).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("Feeds");
        foreach (var feed in feeds)
        {
            WriteFeed(x, feed, baseUrl);
        }

        x.Close("Feeds");
        return sb.ToString();
    }

    public static string Feed(TaskFeed feed, string baseUrl)
    {
        var sb = new StringBuilder(512).Append(XmlOut.Declaration);
        WriteFeed(new XmlOut(sb), feed, baseUrl);
        return sb.ToString();
    }

    /// <summary><c>&lt;SocialContact&gt;</c>: the task request's name as author, every variable as an extension field (ccp §2.2).</summary>
    public static string SocialContact(ContactRecord contact, string refUrl)
    {
        var task = contact.Submission;
        var sb = new StringBuilder(512).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("SocialContact")
            .Element("author", task.Name)
            .Element("createdDate", EpochMilliseconds(contact.CreatedAt))
            .Element("description", task.Description)
            .Open("extensionFields");
        foreach (var variable in task.Variables)
        {
            x.Open("extensionField").Element("name", variable.Name).Element("value", variable.Value).Close("extensionField");
        }

        x.Close("extensionFields")
            .Element("id", contact.ContactId)
            .Element("publishedDate", EpochMilliseconds(contact.CreatedAt))
            .Element("refURL", refUrl)
            .Element("sourceType", TaskSourceType)
            .Element("status", contact.Status.ToWire())
            .Element("statusReason", contact.StatusReason)
            .Element("statusTimestamp", EpochMilliseconds(contact.StatusChangedAt ?? contact.CreatedAt))
            .Element("statusUserId", contact.AgentId);
        WriteTags(x, task.Tags);
        x.Element("title", task.Title).Close("SocialContact");
        return sb.ToString();
    }

    private static void WriteFeed(XmlOut x, TaskFeed feed, string baseUrl)
    {
        var id = feed.Id.ToString(CultureInfo.InvariantCulture);
        x.Open("Feed")
            .Element("changeStamp", 0)
            .Element("description", feed.Description)
            .Element("name", feed.Name)
            .Element("pushFeedURL", $"{baseUrl}/ccp/task/feed/{id}")
            .Element("refURL", $"{baseUrl}{CcpWebappApi.Prefix}/feed/{id}")
            .Element("status", 1);
        WriteTags(x, feed.Tags ?? []);
        x.Element("type", TaskFeedType).Close("Feed");
    }

    private static void WriteTags(XmlOut x, IReadOnlyList<string> tags)
    {
        x.Open("tags");
        foreach (var tag in tags)
        {
            x.Element("tag", tag);
        }

        x.Close("tags");
    }

    private static string EpochMilliseconds(DateTime utc) =>
        new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
