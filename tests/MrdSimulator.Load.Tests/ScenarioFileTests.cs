using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Tests;

public sealed class ScenarioFileTests
{
    private const string Valid = """
        name: smoke
        target:
          baseUrl: http://127.0.0.1:5080
          password: password
          notificationTimeout: 2s
        settings:
          reportFormats: [html, json]
          arrival: poisson
        load:
          - ramp-inject 50/s 5s
          - inject 50/s 20s
        scenarios:
          - name: shift
            type: agent-shift
            agents: 1000-1099
            mrds: [5000, 5001]
            weight: 2
          - name: storm
            type: state-storm
            agents: 1100-1199
            load: [keep-constant 20 10s]
        thresholds:
          - p99 < 50ms
          - lost_notifications = 0
        """;

    [Fact]
    public void ReadsAValidFile()
    {
        var spec = ScenarioFileLoader.Parse(Valid, "smoke.yaml");
        Assert.Equal("smoke", spec.TestName);
        Assert.Equal(TimeSpan.FromSeconds(2), spec.NotificationTimeout);
        Assert.Equal(ArrivalPattern.Poisson, spec.Arrival);
        Assert.Equal(2, spec.Load!.Count);
        Assert.Equal(2, spec.Scenarios.Count);
        Assert.Equal([5000, 5001], spec.Scenarios[0].Mrds);
        Assert.Equal(2, spec.Scenarios[0].Weight);
        Assert.Null(spec.Scenarios[0].Load);
        Assert.IsType<KeepConstant>(Assert.Single(spec.Scenarios[1].Load!));
        Assert.Equal(2, spec.Thresholds.Count);
    }

    private static ScenarioFileException Fails(string yaml) =>
        Assert.Throws<ScenarioFileException>(() => ScenarioFileLoader.Parse(yaml, "bad.yaml"));

    [Fact]
    public void UnknownFieldFailsWithFileLineAndField()
    {
        var ex = Fails(Valid.Replace("    weight: 2", "    wieght: 2", StringComparison.Ordinal));
        Assert.Equal("bad.yaml", ex.File);
        Assert.Equal(17, ex.Line);
        Assert.Equal("scenarios[0].wieght", ex.Field);
        Assert.Contains("unknown field 'wieght'", ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith("bad.yaml:17:5: scenarios[0].wieght: unknown field", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaseTypoSuggestsTheField()
    {
        var ex = Fails(Valid.Replace("  baseUrl:", "  baseurl:", StringComparison.Ordinal));
        Assert.Equal(3, ex.Line);
        Assert.Contains("did you mean 'baseUrl'", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ImpossibleRateFailsWithLineAndReason()
    {
        var ex = Fails(Valid.Replace("inject 50/s 20s", "inject 5000000/s 20s", StringComparison.Ordinal));
        Assert.Equal(11, ex.Line);
        Assert.Equal("load", ex.Field);
        Assert.Contains("impossible", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5080", "scheme must be http or https")]
    [InlineData("127.0.0.1:5080", "not an absolute URL")]
    [InlineData("localhost", "not an absolute URL")]
    [InlineData("http://127.0.0.1:5080/finesse/api", "without a path")]
    public void WrongUrlFailsWithLineAndReason(string url, string reason)
    {
        var ex = Fails(Valid.Replace("http://127.0.0.1:5080", url, StringComparison.Ordinal));
        Assert.Equal(3, ex.Line);
        Assert.Equal("target.baseUrl", ex.Field);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreVirtualUsersThanAgentsFails()
    {
        var ex = Fails(Valid.Replace("keep-constant 20 10s", "keep-constant 500 10s", StringComparison.Ordinal));
        Assert.Equal("scenarios[1].load", ex.Field);
        Assert.Contains("500 virtual users need 500 agents", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BadThresholdFailsWithItsLine()
    {
        var ex = Fails(Valid.Replace("p99 < 50ms", "p99 << 50ms", StringComparison.Ordinal));
        Assert.Equal(23, ex.Line);
        Assert.Equal("thresholds", ex.Field);
    }

    [Fact]
    public void UnknownScenarioTypeListsTheKnownOnes()
    {
        var ex = Fails(Valid.Replace("type: state-storm", "type: storm", StringComparison.Ordinal));
        Assert.Contains("agent-shift, state-storm, hot-pair, http, task-handling, task-feed", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenYamlReportsItsPosition()
    {
        var ex = Fails("scenarios:\n  - name: a\n    type: [unclosed\n");
        Assert.Equal("yaml", ex.Field);
        Assert.True(ex.Line >= 3);
    }

    [Fact]
    public void ScenarioWithoutAnyLoadFails()
    {
        var ex = Fails("scenarios:\n  - name: a\n    type: http\n");
        Assert.Equal("scenarios[0].load", ex.Field);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void RetryIsTheTypesDefaultUnlessTheScenarioTurnsItOffOrTunesIt()
    {
        var defaulted = ScenarioFileLoader.Parse(Valid, "smoke.yaml").Scenarios[0];
        var off = ScenarioFileLoader.Parse(Valid.Replace("    weight: 2", "    weight: 2\n    retry: off", StringComparison.Ordinal), "smoke.yaml").Scenarios[0];
        var tuned = ScenarioFileLoader.Parse(
            Valid.Replace("    weight: 2", "    weight: 2\n    retry: { maxAttempts: 6, initialDelay: 250ms, multiplier: 3, maxDelay: 10s, jitter: 20% }", StringComparison.Ordinal),
            "smoke.yaml").Scenarios[0];

        Assert.Null(defaulted.Retry);
        Assert.True(RetryPolicy.DefaultFor("agent-shift").Enabled);
        Assert.False(RetryPolicy.DefaultFor("hot-pair").Enabled);
        Assert.Equal(RetryPolicy.Off, off.Retry);
        Assert.Equal(
            new RetryPolicy { MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(250), Multiplier = 3, MaxDelay = TimeSpan.FromSeconds(10), Jitter = 0.2 },
            tuned.Retry);
    }

    [Theory]
    [InlineData("retry: maybe", "scenarios[0].retry", "'maybe' is not one of on, off")]
    [InlineData("retry: { attempts: 3 }", "scenarios[0].retry.attempts", "unknown field 'attempts'")]
    [InlineData("retry: { maxAttempts: 0 }", "scenarios[0].retry.maxAttempts", "0 is out of range (1..100)")]
    [InlineData("retry: { initialDelay: soon }", "scenarios[0].retry.initialDelay", "'soon' is not a duration")]
    [InlineData("retry: { initialDelay: 0s }", "scenarios[0].retry.initialDelay", "must be positive")]
    [InlineData("retry: { initialDelay: 2s, maxDelay: 1s }", "scenarios[0].retry.maxDelay", "1s is shorter than initialDelay 2s")]
    [InlineData("retry: { multiplier: 0.5 }", "scenarios[0].retry.multiplier", "must be at least 1")]
    [InlineData("retry: { jitter: 1.5 }", "scenarios[0].retry.jitter", "outside 0..1")]
    public void ABadRetrySettingFailsWithItsLineFieldAndReason(string setting, string field, string reason)
    {
        var ex = Fails(Valid.Replace("    weight: 2", "    weight: 2\n    " + setting, StringComparison.Ordinal));

        Assert.Equal((18, field), (ex.Line, ex.Field));
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryOnAScenarioThatSendsEachRequestOnceFails()
    {
        var ex = Fails("scenarios:\n  - name: raw\n    type: http\n    retry: on\n    load: [inject 1/s 1s]\n");

        Assert.Equal((4, "scenarios[0].retry"), (ex.Line, ex.Field));
        Assert.Contains("applies to agent-shift, state-storm, hot-pair, task-handling scenarios; http sends each request once", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongAgentRangeFails()
    {
        var ex = Fails(Valid.Replace("1000-1099", "1099-1000", StringComparison.Ordinal));
        Assert.Equal("scenarios[0].agents", ex.Field);
        Assert.Contains("ends before it starts", ex.Reason, StringComparison.Ordinal);
    }
}

public sealed class ShippedScenarioFileTests
{
    public static TheoryData<string> Files()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "load", "scenarios")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(dir!, "load", "scenarios"), "*.yaml").Order())
        {
            data.Add(f);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ShippedScenarioFilesAreValid(string file)
    {
        var spec = ScenarioFileLoader.Load(file);
        Assert.NotEmpty(spec.Scenarios);
        Assert.NotEmpty(spec.Thresholds);
    }
}
