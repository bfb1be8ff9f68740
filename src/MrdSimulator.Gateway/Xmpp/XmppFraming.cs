using System.Text;

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>How a transport opens, closes and fails a stream; everything between is plain stanzas.</summary>
internal abstract class XmppFraming
{
    /// <summary>The server's stream header (null when the transport has none, as BOSH).</summary>
    public abstract string? Open(string streamId, string from);

    public abstract string Close { get; }

    /// <summary>A stanza-shaped stream error: it declares the stream prefix, so it stands alone in a WebSocket message.</summary>
    public static string Error(string condition, string? text)
    {
        var sb = new StringBuilder(200).Append("<stream:error xmlns:stream='").Append(Ns.Streams).Append("'><").Append(condition)
            .Append(" xmlns='").Append(Ns.StreamErrors).Append("'/>");
        if (!string.IsNullOrEmpty(text))
        {
            sb.Append("<text xmlns='").Append(Ns.StreamErrors).Append("' xml:lang='en'>").AppendEscaped(text).Append("</text>");
        }

        return sb.Append("</stream:error>").ToString();
    }
}

/// <summary>RFC 6120 over TCP: one long XML document.</summary>
internal sealed class TcpFraming : XmppFraming
{
    public static readonly TcpFraming Instance = new();

    public override string Close => "</stream:stream>";

    public override string Open(string streamId, string from) =>
        $"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Streams}' id='{streamId}' from='{XmlIn.Escape(from)}' version='1.0' xml:lang='en'>";
}

/// <summary>RFC 7395: every WebSocket message is one complete element; the stream is framed by open/close.</summary>
internal sealed class WebSocketFraming : XmppFraming
{
    public static readonly WebSocketFraming Instance = new();

    public override string Close => $"<close xmlns='{Ns.Framing}'/>";

    public override string Open(string streamId, string from) =>
        $"<open xmlns='{Ns.Framing}' id='{streamId}' from='{XmlIn.Escape(from)}' version='1.0' xml:lang='en'/>";
}

/// <summary>XEP-0206: the stream header is the BOSH session creation response; closing is a terminate body.</summary>
internal sealed class BoshFraming : XmppFraming
{
    public static readonly BoshFraming Instance = new();

    /// <summary>A marker item, recognised by reference, that ends the BOSH session.</summary>
    public static readonly string CloseMarker = new(['<', '/', 'b', 'o', 's', 'h', '>']);

    public override string Close => CloseMarker;

    public override string? Open(string streamId, string from) => null;
}
