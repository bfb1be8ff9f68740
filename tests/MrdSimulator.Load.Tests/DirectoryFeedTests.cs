using System.CommandLine;
using MrdSimulator.Load.Cli;
using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Tests;

/// <summary>Agent ids (and passwords) from the simulator's own directory file.</summary>
public sealed class DirectoryFeedTests : IDisposable
{
    private const string Directory = """
        mrds:
          - { id: 5000, name: Chat }
          - { id: 5001, name: Email }
        users:
          - { id: "2010", password: ten, mrds: [5000, 5001] }
          - { id: "2002", password: two, mrds: [5000, 5001] }
          - { id: "2003", password: three, mrds: [5000] }
          - { id: "900", password: boss, role: supervisor, mrds: [5000, 5001] }
        reasonCodes:
          - { id: 1001, category: NOT_READY, code: 10, label: Break }
          - { id: 1002, category: NOT_READY, code: 11, label: Lunch }
          - { id: 2001, category: LOGOUT, code: 20, label: End of shift }
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mrdload-directory-{Guid.NewGuid():N}");

    public DirectoryFeedTests() => System.IO.Directory.CreateDirectory(_folder);

    public void Dispose() => System.IO.Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var file = Path.Combine(_folder, name);
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void ADirectoryFileFeedsItsAgentsAssignedToTheScenariosMrdsWithTheirOwnPasswords()
    {
        Write("users.yaml", Directory);

        var both = AgentFeed.Parse("@users.yaml", _folder, mrds: [5000, 5001]);
        var chat = AgentFeed.Parse("@users.yaml", _folder, mrds: [5000]);

        Assert.Equal(["2002", "2010"], both.Items);
        Assert.Equal(["2002", "2003", "2010"], chat.Items);
        Assert.Equal("ten", both.Passwords!["2010"]);
        Assert.Equal("three", chat.Passwords!["2003"]);
        Assert.Contains("has no agents assigned to MRD 5002", Assert.Throws<FormatException>(() => AgentFeed.Parse("@users.yaml", _folder, mrds: [5002])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADirectoryTheSimulatorWouldRefuseIsRefusedWithFileLineAndField()
    {
        var file = Write("bad.yaml", "mrds:\n  - { id: 5000, name: Chat }\nusers:\n  - { id: \"1\", password: p, role: wizard }\n");

        var error = Assert.Throws<FormatException>(() => AgentFeed.Parse("@bad.yaml", _folder)).Message;

        Assert.Contains($"{file}:4: users[0].role", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentShiftWithAgentsFromTheSimulatorsDirectorySignsEachAgentInWithItsOwnPassword()
    {
        var file = Write("users.yaml", Directory);
        await using var sim = Tasks.RealSimulator.Start(directoryFile: file);

        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.Parse(["run", "--builtin", "agent-shift", "-u", sim.BaseUrl.ToString(), "--agents", "@" + file, "--mrds", "5000,5001", "--copies", "2", "-d", "2s",
                    "--cycles", "1", "--report-formats", "none", "--plain", "-t", "fail% = 0", "-t", "lost_notifications = 0", "-t", "agent-shift/sign-in: count >= 4"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.True(code == ExitCodes.Passed, $"exit {code}\n{output}\n{error}");
    }
}
