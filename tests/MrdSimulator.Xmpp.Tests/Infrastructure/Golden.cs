using System.Xml.Linq;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>Expected Update documents, with volatile values (stateChangeTime) normalised.</summary>
public static class Golden
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "golden", name)).Trim();

    /// <summary>Canonical form: parsed and re-serialised without formatting, stateChangeTime replaced.</summary>
    public static string Normalise(string updateXml)
    {
        var doc = XElement.Parse(updateXml);
        foreach (var time in doc.Descendants("stateChangeTime"))
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", time.Value);
            time.Value = "NORMALISED";
        }

        return doc.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>The golden Update for a request, with its requestId filled in.</summary>
    public static string Expected(string name, string user, string requestId) =>
        Normalise(Read(name).Replace("{requestId}", requestId, StringComparison.Ordinal).Replace("{user}", user, StringComparison.Ordinal));

    /// <summary>Asserts an Update equals the golden one for the user and requestId.</summary>
    public static void AssertSignInUpdate(string user, string requestId, string actualUpdate) =>
        Assert.Equal(Expected("media-signin.xml", user, requestId), Normalise(actualUpdate));
}
