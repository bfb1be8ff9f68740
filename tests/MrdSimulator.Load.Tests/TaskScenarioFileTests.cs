using MrdSimulator.Load.Config;
using MrdSimulator.Load.Engine;

namespace MrdSimulator.Load.Tests;

public sealed class TaskScenarioFileTests
{
    private const string Valid = """
        name: tasks
        scenarios:
          - name: agents
            type: task-handling
            agents: 1000-1049
            tasksPerShift: 4
            transferShare: 25%
            pauseShare: 0
            ronaShare: 0.05
            handleTime: 2s
            wrapUpTime: 250ms
            maxDialogLimit: 2
            load: [keep-constant 50 60s]
          - name: feed
            type: task-feed
            mrds: [5000, 5002]
            feed: 100
            scriptSelector: Task_SS
            load: [ramp-inject 20/s 10s, inject 20/s 50s]
        thresholds:
          - lost_tasks = 0
          - queued_tasks <= 20
        """;

    private static ScenarioFileException Fails(string yaml) =>
        Assert.Throws<ScenarioFileException>(() => ScenarioFileLoader.Parse(yaml, "tasks.yaml"));

    [Fact]
    public void ReadsTheTaskFields()
    {
        var spec = ScenarioFileLoader.Parse(Valid, "tasks.yaml");
        var agents = spec.Scenarios[0];
        var t = agents.Tasks;
        Assert.Equal(("task-handling", 4, 0.25, 0.0, 0.05), (agents.Type, t.TasksPerShift, t.TransferShare, t.PauseShare, t.RonaShare));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(250), 2), (t.HandleTime, t.WrapUpTime, t.MaxDialogLimit));
        Assert.Equal([5002], agents.Mrds); // the task scenarios default to the demo directory's task MRD
        var feed = spec.Scenarios[1];
        Assert.Equal(("task-feed", 100, "Task_SS"), (feed.Type, feed.Tasks.Feed, feed.Tasks.ScriptSelector));
        Assert.Equal(new Finesse.Scenarios.TaskScenarioOptions(), ScenarioFileLoader.Parse(Valid.Replace("    feed: 100\n    scriptSelector: Task_SS\n", "", StringComparison.Ordinal), "t.yaml").Scenarios[1].Tasks);
        Assert.Equal([5000, 5002], feed.Mrds);
        Assert.All(feed.Load!, l => Assert.True(l.IsOpen));
        Assert.Equal(["lost_tasks", "queued_tasks"], spec.Thresholds.Select(t => t.Metric));
    }

    [Theory]
    [InlineData("transferShare: 25%", "transferShare: 1.5", 7, "scenarios[0].transferShare", "outside 0..1")]
    [InlineData("ronaShare: 0.05", "ronaShare: often", 9, "scenarios[0].ronaShare", "not a share")]
    [InlineData("tasksPerShift: 4", "tasksPerShift: 0", 6, "scenarios[0].tasksPerShift", "out of range")]
    [InlineData("handleTime: 2s", "handleTime: soon", 10, "scenarios[0].handleTime", "not a duration")]
    [InlineData("maxDialogLimit: 2", "maxDialogLimit: 2.5", 12, "scenarios[0].maxDialogLimit", "not a whole number")]
    [InlineData("scriptSelector: Task_SS", "scriptSelector: Task SS", 18, "scenarios[1].scriptSelector", "not a script selector")]
    [InlineData("feed: 100", "feed: -1", 17, "scenarios[1].feed", "out of range")]
    [InlineData("    tasksPerShift: 4", "    taskPerShift: 4", 6, "scenarios[0].taskPerShift", "unknown field")]
    public void AWrongTaskFieldFailsWithFileLineAndField(string from, string to, int line, string field, string reason)
    {
        var ex = Fails(Valid.Replace(from, to, StringComparison.Ordinal));
        Assert.Equal((line, field), (ex.Line, ex.Field));
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"tasks.yaml:{line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskFieldOnAnotherScenarioTypeFails()
    {
        var ex = Fails(Valid.Replace("    feed: 100", "    tasksPerShift: 3", StringComparison.Ordinal));
        Assert.Equal((17, "scenarios[1].tasksPerShift"), (ex.Line, ex.Field));
        Assert.Contains("applies to task-handling scenarios only, not to task-feed", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskFeedWithVirtualUsersInsteadOfARateFails()
    {
        var ex = Fails(Valid.Replace("[ramp-inject 20/s 10s, inject 20/s 50s]", "[keep-constant 5 10s]", StringComparison.Ordinal));
        Assert.Equal((19, "scenarios[1].load"), (ex.Line, ex.Field));
        Assert.Contains("give it an open load", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreTaskHandlingUsersThanAgentsFails()
    {
        var ex = Fails(Valid.Replace("keep-constant 50 60s", "keep-constant 60 60s", StringComparison.Ordinal));
        Assert.Equal("scenarios[0].load", ex.Field);
        Assert.Contains("60 virtual users need 60 agents", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TaskHandlingWithoutNotificationsIsRefusedBeforeTheRun()
    {
        var spec = ScenarioFileLoader.Parse(Valid, "tasks.yaml") with { Notifications = "none" };
        var ex = Assert.Throws<ScenarioFileException>(() => RunBuilder.Build(spec));
        Assert.Contains("task-handling needs notifications", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskThresholdWithoutTaskScenariosFailsWithAReason()
    {
        var result = Thresholds.ThresholdEvaluator.Evaluate(Thresholds.ThresholdParser.Parse("lost_tasks = 0"), [], LoadEngine.EmptyNotifications, TimeSpan.FromSeconds(1));
        Assert.False(result.Passed);
        Assert.Contains("no task-feed or task-handling scenario", result.Error, StringComparison.Ordinal);
        Assert.Throws<Thresholds.ThresholdSyntaxException>(() => Thresholds.ThresholdParser.Parse("feed: lost_tasks = 0"));
    }
}
