using System.Globalization;
using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Domain.Xml;

/// <summary>The <c>Media</c> and <c>MediaList</c> objects, in the element order of the 12.5 guide (G125-167).</summary>
public static class MediaXml
{
    public static string MediaUri(string userId, int mrdId) => $"/finesse/api/User/{userId}/Media/{mrdId}";

    public static string MediaNode(string userId) => $"/finesse/api/User/{userId}/Media";

    /// <summary>The full object for an agent assigned to the MRD, or the reduced one (uri, description, id, interruptible, name).</summary>
    public static void Write(XmlOut x, string userId, MediaRoutingDomain mrd, MediaState? state, SimulatorDirectory directory)
    {
        x.Open("Media")
            .Element("uri", MediaUri(userId, mrd.Id))
            .Element("description", mrd.Description);
        if (state is null)
        {
            x.Element("id", mrd.Id).Element("interruptible", mrd.Interruptible).Element("name", mrd.Name).Close("Media");
            return;
        }

        x.Element("dialogLogoutAction", state.DialogLogoutAction?.ToWire())
            .Element("id", mrd.Id)
            .Element("interruptible", mrd.Interruptible)
            .Element("maxDialogLimit", state.MaxDialogLimit > 0 ? state.MaxDialogLimit.ToString(CultureInfo.InvariantCulture) : null)
            .Element("name", mrd.Name);
        if (state.ReasonCodeId > 0 && directory.FindReasonCode(state.ReasonCodeId) is { } code)
        {
            ReasonCodeXml.Write(x, code);
        }

        x.Element("reasonCodeId", state.ReasonCodeId)
            .Element("routable", state.Routable)
            .Element("state", state.State.ToWire())
            .Element("stateChangeTime", state.StateChangeTime is { } t ? FormatTime(t) : null)
            .Element("interruptAction", state.InterruptAction?.ToWire())
            .Close("Media");
    }

    public static string Media(string userId, MediaRoutingDomain mrd, MediaState? state, SimulatorDirectory directory, bool declaration = false)
    {
        var sb = new StringBuilder(declaration ? 720 : 660);
        if (declaration)
        {
            sb.Append(XmlOut.Declaration);
        }

        Write(new XmlOut(sb), userId, mrd, state, directory);
        return sb.ToString();
    }

    /// <param name="states">One entry per non-voice MRD, in directory order; null state means the reduced object.</param>
    public static string MediaList(string userId, IEnumerable<(MediaRoutingDomain Mrd, MediaState? State)> states, SimulatorDirectory directory)
    {
        var sb = new StringBuilder(2048).Append(XmlOut.Declaration);
        var x = new XmlOut(sb).Open("MediaList");
        foreach (var (mrd, state) in states)
        {
            Write(x, userId, mrd, state, directory);
        }

        x.Close("MediaList");
        return sb.ToString();
    }

    /// <summary><c>YYYY-MM-DDThh:MM:ss.SSSZ</c> in UTC (G125-184).</summary>
    public static string FormatTime(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
