using MrdSimulator.Domain.Chaos;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;

namespace MrdSimulator.Domain.Tests.Chaos;

public sealed class ChaosPlanParserTests
{
    private const string Plan = """
        name: shift change
        seed: 42
        faults:
          - id: nsd
            kind: rest.unavailable
            at: 10s
            duration: 30s
          - kind: backend.error
            error: E_ARM_STAT_LOGIN_TIMEOUT
            operations: [login]
            probability: 5%
            scope: { users: ["1000-1099", "2001"], mrds: [5001] }
          - kind: rest.latency
            latency: { distribution: uniform, min: 50ms, max: 500ms }
          - kind: failover
            at: 1m
            duration: 20s
            state: WORK
          - kind: notification.delay
            delay: 2s
          - kind: backend.error
            error: E_ARM_STAT_PERFORMANCE_LIMIT_EXCEEDED
            maxSignedIn: 100
        """;

    [Fact]
    public void ReadsEveryFieldOfAPlan()
    {
        var plan = ChaosPlanParser.Parse(Plan, "shift.yaml");

        Assert.Equal("shift change", plan.Name);
        Assert.Equal(42UL, plan.Seed);
        Assert.Equal(6, plan.Faults.Count);
        var nsd = plan.Faults[0];
        Assert.Equal(("nsd", FaultKind.RestUnavailable, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)), (nsd.Id, nsd.Kind, nsd.At, nsd.Duration));
        Assert.True(nsd.IsOutOfService);
        Assert.Equal(4, nsd.Line);
        var login = plan.Faults[1];
        Assert.Equal("f2", login.Id);
        Assert.Same(ArmError.LoginTimeout, login.Error);
        Assert.Equal(0.05, login.Probability, 10);
        Assert.Equal(MediaOperations.Login, login.Operations);
        Assert.True(login.Scope.Matches("1050", 5001));
        Assert.True(login.Scope.Matches("2001", 5001));
        Assert.False(login.Scope.Matches("1100", 5001));
        Assert.False(login.Scope.Matches("1050", 5002));
        Assert.False(login.Scope.Matches("1050", null));
        Assert.Null(login.Duration);
        Assert.Equal(new Latency(LatencyShape.Uniform, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500)), plan.Faults[2].Latency);
        Assert.Equal(AgentState.Work, plan.Faults[3].FailoverState);
        Assert.Equal(Latency.Fixed(TimeSpan.FromSeconds(2)), plan.Faults[4].Latency);
        Assert.Equal(100, plan.Faults[5].MaxSignedIn);
        Assert.Null(plan.Length);
    }

    [Fact]
    public void JsonIsReadLikeYaml()
    {
        var plan = ChaosPlanParser.Parse("""{"seed": 7, "faults": [{"kind": "rest.error", "status": 502, "probability": 0.5}]}""", "p.json");

        Assert.Equal(502, plan.Faults[0].Status);
        Assert.Equal(0.5, plan.Faults[0].Probability);
    }

    [Theory]
    [InlineData("faults:\n  - kind: rest.explode\n", 2, "faults[0].kind", "unknown fault 'rest.explode'")]
    [InlineData("faults:\n  - kind: rest.error\n    at: soon\n", 3, "faults[0].at", "'soon' is not a time")]
    [InlineData("faults:\n  - kind: rest.error\n    at: 10\n", 3, "faults[0].at", "'10' is not a time")]
    [InlineData("faults:\n  - kind: rest.error\n    duration: 0s\n", 3, "faults[0].duration", "longer than 0")]
    [InlineData("faults:\n  - kind: rest.error\n    probability: 1.5\n", 3, "faults[0].probability", "outside 0..1")]
    [InlineData("faults:\n  - kind: rest.error\n    latency: 5s\n", 3, "faults[0].latency", "unknown field")]
    [InlineData("faults:\n  - kind: backend.error\n", 2, "faults[0].error", "required")]
    [InlineData("faults:\n  - kind: backend.error\n    error: E_ARM_STAT_NOPE\n", 3, "faults[0].error", "unknown error 'E_ARM_STAT_NOPE'")]
    [InlineData("faults:\n  - kind: backend.error\n    error: E_ARM_STAT_CC_OFFLINE\n    operations: [dance]\n", 4, "faults[0].operations[0]", "unknown operation")]
    [InlineData("faults:\n  - kind: rest.latency\n    latency: { distribution: uniform, min: 5s, max: 1s }\n", 3, "faults[0].latency.max", "less than min")]
    [InlineData("faults:\n  - kind: rest.error\n    scope: { users: [\"9-1\"] }\n", 3, "faults[0].scope.users[0]", "not a range")]
    [InlineData("faults:\n  - kind: rest.error\n    scope: { teams: [1] }\n", 3, "faults[0].scope.teams", "unknown field")]
    [InlineData("faults:\n  - kind: failover\n    probability: 0.5\n", 3, "faults[0].probability", "probability must be 1")]
    [InlineData("faults:\n  - { id: x, kind: rest.error }\n  - { id: x, kind: rest.reset }\n", 3, "faults[1].id", "duplicate id 'x'")]
    [InlineData("seed: -3\nfaults: []\n", 1, "seed", "not a whole number")]
    [InlineData("seed: 1\n", 1, "faults", "required")]
    [InlineData("faults: [\n", 2, "(syntax)", "")]
    [InlineData("colour: red\nfaults: []\n", 1, "colour", "unknown field")]
    public void ErrorsNameFileLineFieldAndReason(string yaml, int line, string field, string reason)
    {
        var ex = Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.Parse(yaml, "bad.yaml"));

        Assert.Equal("bad.yaml", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"bad.yaml:{line}: {field}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlappingFailoverWindowsAreRefusedWithBothLines()
    {
        const string yaml = """
            faults:
              - { id: first, kind: failover, at: 10s, duration: 30s }
              - { kind: rest.error, at: 15s, duration: 30s }
              - { id: second, kind: failover, at: 30s, duration: 5s }
            """;

        var ex = Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.Parse(yaml, "o.yaml"));

        Assert.Equal(4, ex.Line);
        Assert.Equal("faults[2].at", ex.Field);
        Assert.Contains("'second' overlaps failover 'first' (line 2)", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailoverWithoutDurationOverlapsEveryLaterFailover()
    {
        const string yaml = "faults:\n  - { kind: failover }\n  - { kind: failover, at: 1h }\n";

        var ex = Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.Parse(yaml, "o.yaml"));

        Assert.Contains("until cleared", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BackToBackFailoversAndOverlappingOtherFaultsAreAllowed()
    {
        const string yaml = """
            faults:
              - { kind: failover, at: 0s, duration: 10s }
              - { kind: failover, at: 10s, duration: 10s }
              - { kind: rest.unavailable, at: 0s, duration: 1m }
              - { kind: rest.unavailable, at: 5s, duration: 1m }
            """;

        Assert.Equal(TimeSpan.FromSeconds(65), ChaosPlanParser.Parse(yaml, "ok.yaml").Length);
    }

    [Fact]
    public void AdminBodiesMayBeOneFaultAListOrAWrappedList()
    {
        var ids = 0;
        string Next(int _) => "a" + ++ids;

        Assert.Equal("a1", Assert.Single(ChaosPlanParser.ParseFaults("""{"kind":"rest.reset"}""", "body", Next)).Id);
        Assert.Equal(2, ChaosPlanParser.ParseFaults("""[{"kind":"rest.reset"},{"kind":"notification.drop"}]""", "body", Next).Count);
        Assert.Equal("mine", Assert.Single(ChaosPlanParser.ParseFaults("""{"faults":[{"id":"mine","kind":"rest.reset"}]}""", "body", Next)).Id);
        var ex = Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.ParseFaults("{\n\"kind\": \"nope\"}", "request body", Next));
        Assert.Equal("request body:2: (fault).kind: unknown fault 'nope'; expected one of " + string.Join(", ", FaultKinds.WireNames), ex.Message);
    }

    [Fact]
    public void PlanFilesAreReadFromDiskWithTheirPathInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "seed: 3\nfaults:\n  - kind: rest.error\n    at: yesterday\n");
        try
        {
            var ex = Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.LoadFile(path));
            Assert.StartsWith($"{path}:4: faults[0].at:", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal("(file)", Assert.Throws<ChaosPlanException>(() => ChaosPlanParser.LoadFile(path + ".missing")).Field);
    }
}
