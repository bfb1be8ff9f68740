using MrdSimulator.Domain.Directory;

namespace MrdSimulator.Domain.Tests.Directory;

public sealed class DirectoryLoaderTests
{
    private const string Valid = """
        mrds:
          - { id: 1, name: Cisco_Voice, type: voice }
          - id: 5001
            name: Chat_Task_MRD
            description: Chat & more
            interruptible: true
            taskStartTimeout: 20
            maxTasksInQueue: 500
        users:
          - id: "1234"
            password: secret
            role: supervisor
            firstName: Ada
            lastName: Lovelace
            teamId: "7"
            mrds: [5001]
          - { id: "1235", password: pw, mrds: [] }
        reasonCodes:
          - { id: 1001, category: NOT_READY, code: 10, label: Break }
          - { id: 1002, category: LOGOUT, code: 10, label: Home, forAll: false, teams: ["7"] }
        """;

    [Fact]
    public void LoadsUsersMrdsAndReasonCodesFromYaml()
    {
        var directory = DirectoryLoader.Parse(Valid, "dir.yaml");

        var user = directory.FindUser("1234")!;
        Assert.Equal(UserRole.Supervisor, user.Role);
        Assert.True(user.IsAssignedTo(5001));
        Assert.Equal(UserRole.Agent, directory.FindUser("1235")!.Role);
        Assert.Equal(20, directory.FindMrd(5001)!.TaskStartTimeoutSeconds);
        Assert.Equal(500, directory.FindMrd(5001)!.MaxTasksInQueue);
        Assert.Null(directory.FindMrd(1)!.MaxTasksInQueue);
        Assert.True(directory.FindMrd(1)!.IsVoice);
        Assert.Single(directory.NonVoiceMrds);
        Assert.True(directory.FindReasonCode(1002)!.IsAllowedFor(user));
        Assert.False(directory.FindReasonCode(1002)!.IsAllowedFor(directory.FindUser("1235")!));
    }

    [Fact]
    public void LoadsTheSameDirectoryFromJson()
    {
        const string json = """
            {"mrds":[{"id":5000,"name":"Chat"}],
             "users":[{"id":"1000","password":"p","mrds":[5000]}],
             "reasonCodes":[]}
            """;

        var directory = DirectoryLoader.Parse(json, "dir.json");

        Assert.True(directory.FindUser("1000")!.IsAssignedTo(5000));
    }

    [Fact]
    public void LoadsTaskFeedsWithTheDescriptionAndTagsCcpsFeedListShows()
    {
        var directory = DirectoryLoader.Parse(Valid + "\nfeeds:\n  - { id: 101212, name: Task, description: Tasks from the web, tags: [task] }\n  - { id: 7 }", "dir.yaml");

        var feed = directory.FindFeed(101212)!;
        Assert.Equal(("Task", "Tasks from the web"), (feed.Name, feed.Description));
        Assert.Equal(["task"], feed.Tags!);
        Assert.Null(directory.FindFeed(7)!.Description);
        Assert.Empty(directory.FindFeed(7)!.Tags!);
    }

    [Theory]
    [InlineData("colour: blue\nmrds: []\nusers: []", 1, "colour", "unknown field")]
    [InlineData("mrds: []", 1, "users", "required")]
    [InlineData("mrds:\n  - { id: 1, name: V, type: telepathy }\nusers: []", 2, "mrds[0].type", "'telepathy' is not one of voice, multichannel")]
    [InlineData("mrds:\n  - { id: x, name: V }\nusers: []", 2, "mrds[0].id", "'x' is not a whole number")]
    [InlineData("mrds:\n  - { id: 5, name: A }\n  - { id: 5, name: B }\nusers: []", 3, "mrds[1].id", "duplicate")]
    [InlineData("mrds: []\nusers:\n  - { id: \"1\", password: p, role: admin }", 3, "users[0].role", "'admin' is not one of agent, supervisor")]
    [InlineData("mrds: []\nusers:\n  - { id: \"1\", password: p, mrds: [9] }", 3, "users[0].mrds", "MRD 9 is not defined")]
    [InlineData("mrds:\n  - { id: 1, name: V, type: voice }\nusers:\n  - { id: \"1\", password: p, mrds: [1] }", 4, "users[0].mrds", "voice MRD")]
    [InlineData("mrds: []\nusers:\n  - { id: \"1\" }", 3, "users[0].password", "required")]
    [InlineData("mrds: []\nusers:\n  - { id: \"a/b\", password: p }", 3, "users[0].id", "letters and digits")]
    [InlineData("mrds: []\nusers: []\nreasonCodes:\n  - { id: 1, category: BUSY, code: 1, label: x }", 4, "reasonCodes[0].category", "not one of NOT_READY, LOGOUT")]
    [InlineData("mrds: []\nusers: []\nreasonCodes:\n  - { id: 1, category: LOGOUT, code: 70000, label: x }", 4, "reasonCodes[0].code", "outside 1..65535")]
    [InlineData("mrds: []\nusers: []\nreasonCodes:\n  - { id: 1, category: LOGOUT, code: 7, label: x }\n  - { id: 2, category: LOGOUT, code: 7, label: y }", 5, "reasonCodes[1].code", "duplicate")]
    [InlineData("mrds: [\nusers: []", 2, "(syntax)", "")]
    [InlineData("mrds:\n  - { id: 5, name: A, maxTasksInQueue: 0 }\nusers: []", 2, "mrds[0].maxTasksInQueue", "0 is outside 1..1000000")]
    public void BadDirectoriesNameTheFileLineAndField(string yaml, int line, string field, string reason)
    {
        var ex = Assert.Throws<DirectoryException>(() => DirectoryLoader.Parse(yaml, "bad.yaml"));

        Assert.Equal("bad.yaml", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"bad.yaml:{line}: {field}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsReportedAsADirectoryError()
    {
        var ex = Assert.Throws<DirectoryException>(() => DirectoryLoader.LoadFile("/nonexistent/dir.yaml"));

        Assert.Equal("/nonexistent/dir.yaml", ex.File);
    }

    [Fact]
    public void DemoDirectoryHasTheDocumentedShape()
    {
        var demo = DemoDirectory.Create();

        Assert.Equal("Cisco_Voice", demo.FindMrd(1)!.Name);
        Assert.Equal([5000, 5001, 5002], demo.NonVoiceMrds.Select(m => m.Id));
        Assert.Contains(demo.NonVoiceMrds, m => m.Interruptible);
        Assert.NotNull(demo.FindUser("1000"));
        Assert.NotNull(demo.FindUser("1999"));
        Assert.NotNull(demo.FindUser("1234"));
        Assert.Null(demo.FindUser("2000"));
        Assert.Contains(demo.Users, u => u.Role == UserRole.Supervisor);
        Assert.NotNull(demo.FindReasonCode(1001));
        Assert.Contains(demo.ReasonCodes, r => r.Category == ReasonCodeCategory.Logout);
        Assert.All(demo.Users, u => Assert.Equal(DemoDirectory.Password, u.Password));
    }

    [Fact]
    public void GeneratorCreatesLargeDirectories()
    {
        var big = DemoDirectory.Create(agents: 100_000);

        Assert.NotNull(big.FindUser("100999"));
        Assert.NotNull(big.FindUser("1234"));
        Assert.Equal(100_000 + 4, big.UserCount);
    }
}
