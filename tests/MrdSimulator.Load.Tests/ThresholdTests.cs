using MrdSimulator.Load.Engine;
using MrdSimulator.Load.Stats;
using MrdSimulator.Load.Thresholds;

namespace MrdSimulator.Load.Tests;

public sealed class ThresholdTests
{
    [Theory]
    [InlineData("p99 < 50ms", null, "p99", ThresholdOperator.Less, 50)]
    [InlineData("p99<0.05s", null, "p99", ThresholdOperator.Less, 50)]
    [InlineData("p99.9 <= 500us", null, "p99.9", ThresholdOperator.LessOrEqual, 0.5)]
    [InlineData("fail% < 0.1", null, "fail%", ThresholdOperator.Less, 0.1)]
    [InlineData("fail% < 0.1%", null, "fail%", ThresholdOperator.Less, 0.1)]
    [InlineData("lost_notifications = 0", null, "lost_notifications", ThresholdOperator.Equal, 0)]
    [InlineData("shift/sign-in: p95 >= 2", "shift/sign-in", "p95", ThresholdOperator.GreaterOrEqual, 2)]
    [InlineData("ready.notified: rps > 100", "ready.notified", "rps", ThresholdOperator.Greater, 100)]
    [InlineData("count != 0", null, "count", ThresholdOperator.NotEqual, 0)]
    [InlineData("shift/reset: retries < 100", "shift/reset", "retries", ThresholdOperator.Less, 100)]
    [InlineData("gave_up = 0", null, "gave_up", ThresholdOperator.Equal, 0)]
    public void ParsesRules(string text, string? scope, string metric, ThresholdOperator op, double value)
    {
        var t = ThresholdParser.Parse(text);
        Assert.Equal(scope, t.Scope);
        Assert.Equal(metric, t.Metric);
        Assert.Equal(op, t.Operator);
        Assert.Equal(value, t.Value, 9);
        Assert.False(t.Abort);
    }

    [Fact]
    public void AbortKeywordMarksALiveStopRule() => Assert.True(ThresholdParser.Parse("fail% < 5 abort").Abort);

    [Theory]
    [InlineData("p99 50ms", "missing comparison operator", 9)]
    [InlineData("< 50ms", "missing metric", 1)]
    [InlineData("p99 <", "missing number", 6)]
    [InlineData("p42 < 5ms", "unknown metric 'p42'", 1)]
    [InlineData("p99 < 5 parsecs", "is not a number", 7)]
    [InlineData("fail% < 5ms", "takes no unit", 10)]
    [InlineData("shift: lost_notifications = 0", "global counter", 1)]
    public void RejectsMalformedRulesSayingWhereAndWhy(string text, string reason, int column)
    {
        var ex = Assert.Throws<ThresholdSyntaxException>(() => ThresholdParser.Parse(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Equal(column, ex.Position + 1);
    }

    [Fact]
    public void EvaluatesPerStepAndGlobally()
    {
        using var control = new RunControl(0);
        var registry = new StatsRegistry(control);
        var fast = registry.Step("s", "fast");
        var slow = registry.Step("s", "slow");
        var ms = System.Diagnostics.Stopwatch.Frequency / 1000;
        for (var i = 0; i < 100; i++)
        {
            fast.Record(true, 202, 2 * ms);
            slow.Record(i != 0, i == 0 ? 500 : 202, 80 * ms);
        }

        var none = LoadEngine.EmptyNotifications with { Lost = 2 };
        var results = ThresholdEvaluator.Evaluate(
            new[] { "fast: p99 < 5ms", "s/slow: p99 < 50ms", "p50 < 100ms", "fail% < 1", "lost_notifications = 0", "missing: p99 < 1ms" }
                .Select(ThresholdParser.Parse).ToList(),
            registry.All,
            none,
            TimeSpan.FromSeconds(1));
        Assert.True(results[0].Passed);
        Assert.False(results[1].Passed);
        Assert.True(results[2].Passed);
        Assert.True(results[3].Passed); // 1 of 200 = 0.5 %
        Assert.False(results[4].Passed);
        Assert.Equal("2", results[4].Actual);
        Assert.False(results[5].Passed);
        Assert.Contains("no step or scenario named 'missing'", results[5].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void LostNotificationsCountsOnlyTheUnexplainedWhileTotalAndExplainedHaveTheirOwnMetrics()
    {
        var attributed = LoadEngine.EmptyNotifications with
        {
            Lost = 0,
            LostTotal = 12,
            LostExplained = 12,
            Contradicting = 1,
            ContradictingTotal = 4,
            ContradictingExplained = 3,
            Attributed = true,
        };
        var results = ThresholdEvaluator.Evaluate(
            new[] { "lost_notifications = 0", "lost_notifications_total < 10", "lost_notifications_explained >= 12", "contradicting_notifications = 0", "contradicting_notifications_total = 4", "contradicting_notifications_explained = 3" }
                .Select(ThresholdParser.Parse).ToList(),
            [],
            attributed,
            TimeSpan.FromSeconds(1));

        Assert.Equal([true, false, true, false, true, true], results.Select(r => r.Passed));
        Assert.Equal("12", results[1].Actual);
    }
}
