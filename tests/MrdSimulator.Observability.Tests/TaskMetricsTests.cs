using System.Globalization;
using MrdSimulator.GrainInterfaces.Statistics;
using MrdSimulator.Gateway.Observability.Metrics;

namespace MrdSimulator.Observability.Tests;

public sealed class TaskMetricsTests
{
    private static readonly string[] Counters = ["submitted", "offered", "handled", "abandoned", "expired", "rona"];

    [Fact]
    public async Task MetricsReportEveryMrdWithTasksAsItsStatisticsGrainHoldsItAndPassPromtool()
    {
        var promtool = Tool.Require("/usr/bin/promtool", "prometheus");
        await using var host = new SimulatorHost().Start();

        // Two chat agents READY with three slots each take four chat tasks at once; nobody works email, so its two
        // tasks queue and one is cancelled there (abandoned). The tasks MRD (5002) gets nothing.
        await PrometheusTests.TrafficAsync(host, agents: 2);
        for (var i = 0; i < 4; i++)
        {
            await host.SubmitTaskAsync("Chat_SS");
        }

        var cancelled = await host.SubmitTaskAsync("Email_SS");
        await host.SubmitTaskAsync("Email_SS");
        (await host.Http.DeleteAsync(cancelled)).EnsureSuccessStatusCode();

        var text = await Eventually.ValueAsync(
            () => host.Http.GetStringAsync("/metrics"),
            t => t.Contains("mrdsim_tasks_offered_total{mrd=\"5000\"} 4\n", StringComparison.Ordinal) && t.Contains("mrdsim_tasks_abandoned_total{mrd=\"5001\"} 1\n", StringComparison.Ordinal),
            "the chat offers and the email cancellation in /metrics");

        var chat = await host.Grains.GetGrain<IMrdStatsGrain>(5000).GetTaskFiguresAsync();
        var email = await host.Grains.GetGrain<IMrdStatsGrain>(5001).GetTaskFiguresAsync();
        Assert.Equal((4, 4, 0), (chat.Capacity.Submitted, chat.Capacity.Offered, chat.Capacity.Queued));
        Assert.Equal((2, 0, 1, 1), (email.Capacity.Submitted, email.Capacity.Offered, email.Capacity.Queued, email.Capacity.Abandoned));
        foreach (var mrd in new[] { chat, email })
        {
            var label = $"mrd=\"{mrd.Capacity.MrdId}\"";
            var capacity = mrd.Capacity;
            long[] counts = [capacity.Submitted, capacity.Offered, capacity.Handled, capacity.Abandoned, capacity.Expired, capacity.Ronas];
            for (var i = 0; i < Counters.Length; i++)
            {
                Assert.Contains($"\nmrdsim_tasks_{Counters[i]}_total{{{label}}} {counts[i]}\n", text, StringComparison.Ordinal);
            }

            Assert.Contains($"\nmrdsim_tasks_queued{{{label}}} {capacity.Queued}\n", text, StringComparison.Ordinal);
            AssertRatio(text, "mrdsim_tasks_service_level_ratio", label, capacity.ServiceLevel);
            AssertRatio(text, "mrdsim_tasks_occupancy_ratio", label, capacity.AgentOccupancy);

            // The wait histogram is the grain's: cumulative buckets at its bounds, +Inf = _count = offers, and the sum.
            long cumulative = 0;
            for (var i = 0; i < mrd.WaitBounds.Length; i++)
            {
                cumulative += mrd.WaitCounts[i];
                Assert.Contains($"\nmrdsim_tasks_wait_seconds_bucket{{{label},le=\"{MetricText.Format(mrd.WaitBounds[i])}\"}} {cumulative}\n", text, StringComparison.Ordinal);
            }

            Assert.Contains($"\nmrdsim_tasks_wait_seconds_bucket{{{label},le=\"+Inf\"}} {capacity.Offered}\n", text, StringComparison.Ordinal);
            Assert.Contains($"\nmrdsim_tasks_wait_seconds_count{{{label}}} {capacity.Offered}\n", text, StringComparison.Ordinal);
            Assert.Contains($"\nmrdsim_tasks_wait_seconds_sum{{{label}}} {MetricText.Format(mrd.WaitSeconds)}\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("# TYPE mrdsim_tasks_wait_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mrdsim_tasks_offered_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mrdsim_tasks_queued gauge\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mrdsim_tasks_wait_buckets", text, StringComparison.Ordinal);
        Assert.DoesNotContain(text.Split('\n'), l => l.StartsWith("mrdsim_tasks_", StringComparison.Ordinal) && l.Contains("mrd=\"5002\"", StringComparison.Ordinal));
        PrometheusFormatTests.AssertWellFormed(text);
        var (exit, output) = await PrometheusTests.RunAsync(promtool, ["check", "metrics"], stdin: text);
        Assert.True(exit == 0, $"promtool check metrics exited {exit}:\n{output}");
    }

    [Fact]
    public async Task NoTaskSeriesExistBeforeAnMrdHasHadATask()
    {
        await using var host = new SimulatorHost().Start();
        await PrometheusTests.TrafficAsync(host, agents: 1);

        var text = await host.Http.GetStringAsync("/metrics");

        Assert.Contains("mrdsim_agents{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mrdsim_tasks_", text, StringComparison.Ordinal);
    }

    private static void AssertRatio(string text, string name, string label, double? value)
    {
        if (value is { } ratio)
        {
            Assert.Contains($"\n{name}{{{label}}} {MetricText.Format(ratio)}\n", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain($"\n{name}{{{label}}}", text, StringComparison.Ordinal);
        }
    }
}
