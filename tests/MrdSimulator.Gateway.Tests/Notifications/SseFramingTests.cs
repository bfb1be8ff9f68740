using System.Xml.Linq;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Tests.Infrastructure;
using MrdSimulator.Gateway.Tests.Tasks;

namespace MrdSimulator.Gateway.Tests.Notifications;

/// <summary>Text a task submitter chose travels inside Updates: it must not be able to frame events on an agent's stream.</summary>
public sealed class SseFramingTests : IDisposable
{
    private const string Forged = "x\n\nevent: overflow\nid: 42\ndata: forged\n\n";

    private readonly TaskHttp _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task ACallVariableHoldingLineBreaksAndSseFieldsArrivesAsOneUpdateEventWhoseDataIsTheExactXml()
    {
        const string eccName = "evil\r\nid: 43\revent: overflow";
        await using var stream = await NotificationStream.OpenAsync(_http.As("1000"));
        await _http.SignInReadyAsync("1000", 5000);

        await _http.SubmitAsync("Chat_SS",
            $"<variables><variable><name>cv_1</name><value>{XmlOut.Escape(Forged)}</value></variable>" +
            $"<variable><name>user_{XmlOut.Escape(eccName)}</name><value>{XmlOut.Escape("y\r\n")}</value></variable></variables>");

        string? offer;
        while ((offer = await stream.NextAsync()) is not null && !offer.Contains("<event>POST</event>", StringComparison.Ordinal))
        {
        }

        Assert.NotNull(offer);
        var variables = XElement.Parse(offer).Descendants("CallVariable").ToDictionary(v => v.Element("name")!.Value, v => v.Element("value")!.Value);
        Assert.Equal(Forged, variables["callVariable1"]);
        Assert.Equal("y\r\n", variables[eccName]);
        Assert.Contains($"<value>{XmlOut.Escape(Forged)}</value>", offer, StringComparison.Ordinal);
        Assert.All(stream.Events, e => Assert.Equal("update", e.Name));
        Assert.DoesNotContain(stream.Events, e => e.Id is "42" or "43" || e.Data == "forged");
        Assert.All(stream.Events, e => XElement.Parse(e.Data));
    }
}
