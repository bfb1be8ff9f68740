using System.Text;
using System.Text.Json;

namespace MrdSimulator.Xmpp.Tests.Infrastructure;

/// <summary>Runs <c>clients/expat_check.py</c>: Python's expat, the parser slixmpp reads XMPP with, judges what the simulator wrote.</summary>
public static class Expat
{
    /// <summary>An item to check: <c>document</c>, <c>stanzas</c> (XMPP over TCP after the stream header) or <c>sse</c>.</summary>
    public sealed record Item(string Name, string Kind, byte[] Bytes)
    {
        public static Item Document(string name, string text) => new(name, "document", Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Asserts that expat accepts every item; the failure lists what it refused and why.</summary>
    public static async Task AssertWellFormedAsync(IEnumerable<Item> items)
    {
        var file = Path.Combine(Path.GetTempPath(), $"expat-{Guid.NewGuid():N}.json");
        var list = items.ToList();
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(list.Select(i => new { name = i.Name, kind = i.Kind, base64 = Convert.ToBase64String(i.Bytes) })));
        try
        {
            await using var checker = ExternalClient.StartPython("expat_check.py", file);
            var done = JsonDocument.Parse(await checker.WaitForAsync("DONE", TimeSpan.FromSeconds(30))).RootElement;
            var bad = checker.Lines.Where(l => l.StartsWith("BAD ", StringComparison.Ordinal)).ToList();
            Assert.True(done.GetProperty("bad").GetInt32() == 0 && bad.Count == 0, "expat refused:\n" + string.Join('\n', bad));
            Assert.Equal(list.Count, checker.Lines.Count(l => l.StartsWith("OK ", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
