using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MrdSimulator.Gateway.Tasks;
using MrdSimulator.GrainInterfaces.Statistics;

namespace MrdSimulator.Gateway.Tests.Tasks;

/// <summary><c>/admin/capacity</c> shows what <c>--time-scale</c> does to bot tasks and warns past the bound (docs/capacity.md).</summary>
public sealed class TimeScaleCapacityTests
{
    [Fact]
    public async Task AtALargeTimeScaleCapacityReportsTheDistortionAndAWarningNamingTheMrd()
    {
        // 2000 simulated seconds per real second and 30 s of work: the 0.4 s bound is 0.2 ms of real time, less than the hops take.
        using var http = new TaskHttp(
            ("Tasks:TimeScale", "2000"), ("Tasks:BotsPerMrd", "3"), ("Tasks:TasksPerHour", "40"), ("Tasks:MeanHandleSeconds", "30"));

        var (root, chat) = await CapacityAsync(http, until: m => m.GetProperty("timedTasks").GetInt64() >= 5);

        Assert.Equal(CapacitySnapshot.DistortionBound, root.GetProperty("distortionBound").GetDouble());
        Assert.True(chat.GetProperty("meanOfferLagSeconds").GetDouble() > 0);
        Assert.True(chat.GetProperty("meanHandleInflationSeconds").GetDouble() > 0);
        Assert.True(chat.GetProperty("meanTimerLatenessSeconds").GetDouble() > 0);
        Assert.True(chat.GetProperty("timeDistortion").GetDouble() > CapacitySnapshot.DistortionBound);
        Assert.True(chat.GetProperty("timeDistortionExceedsBound").GetBoolean());
        var warning = root.GetProperty("warning").GetString()!;
        Assert.StartsWith("Time scale 2000 distorts the model beyond the 1% bound", warning, StringComparison.Ordinal);
        Assert.Contains("MRD 5000 Cisco_Chat_MRD: +", warning, StringComparison.Ordinal);
        Assert.Contains("mrdsim plan", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTimedBotTasksCapacityHasNoDistortionFiguresAndNoWarning()
    {
        using var http = new TaskHttp();

        var (root, chat) = await CapacityAsync(http, until: _ => true);

        Assert.Equal(JsonValueKind.Null, root.GetProperty("warning").ValueKind);
        Assert.Equal(0, chat.GetProperty("timedTasks").GetInt64());
        Assert.Equal(JsonValueKind.Null, chat.GetProperty("timeDistortion").ValueKind);
        Assert.False(chat.GetProperty("timeDistortionExceedsBound").GetBoolean());
    }

    [Fact]
    public void TheWarningNamesOnlyTheMrdsOverTheBound()
    {
        var within = Snapshot(5000, "Chat", offerLag: 0.5, inflation: 1, intended: 310);
        var over = Snapshot(5001, "Email", offerLag: 2, inflation: 2, intended: 310);

        Assert.Null(TimeScaleAdvice.Warning([within], 600));
        var warning = TimeScaleAdvice.Warning([within, over], 600);
        Assert.Equal(
            "Time scale 600 distorts the model beyond the 1% bound — MRD 5001 Email: +4 s per task (1.29% of the 310 s intended handle time): "
            + "real-time hops lengthen every task (and every gap between generated arrivals), so waits and occupancy are not those of the load asked for. "
            + "Lower --time-scale, or use `mrdsim plan` (docs/capacity.md) for exact capacity answers.",
            warning);
    }

    [Fact]
    public void AGeneratorShortOfItsRateBeyondChanceIsWarnedAbout()
    {
        var mrd = Snapshot(5000, "Chat", offerLag: 0, inflation: 0, intended: 310) with { Submitted = 1470 };

        // 10 simulated hours at 204 per hour: 2040 expected, 1470 got is far beyond 3 standard errors (135).
        var slow = TimeScaleAdvice.Arrivals([mrd], 204, TimeSpan.FromHours(10));
        Assert.True(Assert.Single(slow).ShortOfRate);
        Assert.Contains("MRD 5000: 147 arrivals per hour of the 204 asked", TimeScaleAdvice.Warning([mrd], 3000, slow), StringComparison.Ordinal);

        // 2000 of 2040 is within chance.
        var fine = TimeScaleAdvice.Arrivals([mrd with { Submitted = 2000 }], 204, TimeSpan.FromHours(10));
        Assert.False(Assert.Single(fine).ShortOfRate);
        Assert.Null(TimeScaleAdvice.Warning([mrd], 3000, fine));
        Assert.Empty(TimeScaleAdvice.Arrivals([mrd], 0, TimeSpan.FromHours(10)));
    }

    [Theory]
    [InlineData(6000, true)]
    [InlineData(60, false)]
    public void TheStartUpEstimateIsTheAssumedHopTimeTimesTheScaleAgainstTheBound(double scale, bool warns)
    {
        var line = TimeScaleAdvice.StartupLine(new TaskSimulationOptions { TimeScale = scale, BotsPerMrd = 20, TasksPerHour = 204, MeanHandleSeconds = 300 })!;

        Assert.Equal(warns, line.StartsWith("Warning: ", StringComparison.Ordinal));
        var simulated = TimeScaleAdvice.AssumedRealSecondsPerTask * scale;
        Assert.Contains(FormattableString.Invariant($"become ~{simulated:0.##} simulated s"), line, StringComparison.Ordinal);
        Assert.Contains("mrdsim plan", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 20, 204)]
    [InlineData(600, 0, 0)]
    public void NoStartUpEstimateWithoutScalingOrSimulatedTraffic(double scale, int bots, double rate) =>
        Assert.Null(TimeScaleAdvice.StartupLine(new TaskSimulationOptions { TimeScale = scale, BotsPerMrd = bots, TasksPerHour = rate }));

    private static CapacitySnapshot Snapshot(int mrd, string name, double offerLag, double inflation, double intended) =>
        new(mrd, name, 10, 10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 30, 1, 0.5, 100, 50, intended + 2, 10, offerLag, offerLag, inflation, inflation, 0.1, intended);

    private static async Task<(JsonElement Root, JsonElement Chat)> CapacityAsync(TaskHttp http, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/capacity");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TaskHttp.AdminToken);
            using var response = await http.Anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = json.RootElement.Clone();
            var chat = root.GetProperty("mrds").EnumerateArray().Single(m => m.GetProperty("mrdId").GetInt32() == 5000);
            if (until(chat))
            {
                return (root, chat);
            }

            Assert.True(DateTime.UtcNow < deadline, $"capacity never got there: {chat}");
            await Task.Delay(100);
        }
    }
}
