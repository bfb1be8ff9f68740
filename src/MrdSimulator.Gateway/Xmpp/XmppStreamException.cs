namespace MrdSimulator.Gateway.Xmpp;

/// <summary>A condition that ends the XML stream with a stream error (RFC 6120 §4.9.3).</summary>
public sealed class XmppStreamException(string condition, string text) : Exception(text)
{
    public string Condition { get; } = condition;

    public static XmppStreamException NotWellFormed(string text) => new("not-well-formed", text);

    public static XmppStreamException PolicyViolation(string text) => new("policy-violation", text);

    public static XmppStreamException RestrictedXml(string text) => new("restricted-xml", text);
}
