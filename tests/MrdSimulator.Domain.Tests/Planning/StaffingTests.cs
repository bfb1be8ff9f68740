using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Domain.Tests.Planning;

public sealed class StaffingTests
{
    private static QueueFigures At(Workload workload, int agents, double threshold) => Queueing.Evaluate(new QueueModel(workload, agents, threshold));

    [Fact]
    public void StaffingFor200PerHourAt80In30IsTheErlangCAnswer()
    {
        // A = 200/h × 300 s / 3600 = 16.667 erlangs; SL(N) = 1 − C(N, A)·e^{−(N − A)·30/300}.
        //   N = 20: C = 0.33812, e^{−0.3333} = 0.71653 → SL = 1 − 0.24228 = 0.75772 (< 80 %)
        //   N = 21: C = 0.23182, e^{−0.4333} = 0.64835 → SL = 1 − 0.15030 = 0.84970 (≥ 80 %)
        // so 21 agents, at 79.4 % occupancy, mean wait 16.0 s.
        var workload = new Workload(200, 300);
        Assert.Equal(21, Staffing.SmallestAgents(workload, 0.80, 30));

        var short1 = At(workload, 20, 30);
        var enough = At(workload, 21, 30);
        Assert.Equal(0.33812, short1.PWait, 5);
        Assert.Equal(0.75772, short1.ServiceLevel, 5);
        Assert.Equal(0.23182, enough.PWait, 5);
        Assert.Equal(0.84970, enough.ServiceLevel, 5);
        Assert.Equal(16.05, enough.MeanWaitSeconds, 2);
    }

    [Theory]
    [InlineData(200, 300, null, 0.80, 30, null)]
    [InlineData(200, 300, 60.0, 0.80, 30, null)]
    [InlineData(200, 300, 60.0, 0.80, 30, 0.02)]
    [InlineData(50, 600, 300.0, 0.90, 60, null)]
    [InlineData(3600, 240, null, 0.95, 10, null)]
    [InlineData(3600, 240, 45.0, 0.70, 20, 0.05)]
    [InlineData(1, 60, null, 0.99, 0, null)]
    public void StaffingIsTheFirstStaffingThatMeetsTheTargets(double perHour, double handle, double? patience, double target, double threshold, double? maxAbandoned)
    {
        var workload = new Workload(perHour, handle, patience);
        bool Meets(int agents)
        {
            var figures = At(workload, agents, threshold);
            return figures.Stable && figures.ServiceLevel >= target && (maxAbandoned is null || figures.Abandoned <= maxAbandoned);
        }

        var linear = Enumerable.Range(1, 10_000).First(Meets);
        Assert.Equal(linear, Staffing.SmallestAgents(workload, target, threshold, maxAbandoned));
    }

    [Fact]
    public void StaffingHonoursTheAbandonmentCap()
    {
        var workload = new Workload(200, 300, PatienceSeconds: 60);
        var forServiceLevel = Staffing.SmallestAgents(workload, 0.80, 30);
        var forBoth = Staffing.SmallestAgents(workload, 0.80, 30, maxAbandoned: 0.005);
        Assert.True(forBoth > forServiceLevel, $"{forBoth} agents for both, {forServiceLevel} for the service level alone");
        Assert.True(At(workload, forBoth, 30).Abandoned <= 0.005);
        Assert.True(At(workload, forBoth - 1, 30).Abandoned > 0.005);
    }

    [Fact]
    public void StaffingFindsHundredsOfAgentsForALargeImpatientQueue()
    {
        var workload = new Workload(480.0 / 300 * 3600, 300, PatienceSeconds: 120);
        // Fewer agents than erlangs: at this scale abandonment holds the queue near (λ − Nμ)/θ ≈ 9 tasks, a few
        // seconds' wait, so 90 % are answered within 20 s while the ~5 % excess work abandons.
        var agents = Staffing.SmallestAgents(workload, 0.90, 20);
        Assert.InRange(agents, 440, 479);
        Assert.InRange(At(workload, agents, 20).Abandoned, 0.04, 0.10);
        Assert.True(At(workload, agents - 1, 20).ServiceLevel < 0.90);
        Assert.True(At(workload, agents, 20).ServiceLevel >= 0.90);
    }

    [Fact]
    public void StaffingWithoutATargetIsTheSmallestStableStaffing()
    {
        Assert.Equal(17, Staffing.SmallestAgents(new Workload(200, 300), 0, 30));
        Assert.Equal(11, Staffing.SmallestAgents(new Workload(120, 300), 0, 30)); // exactly 10 erlangs: 10 agents never catch up
        Assert.Equal(1, Staffing.SmallestAgents(new Workload(200, 300, 60), 0, 30));
    }

    [Fact]
    public void StaffingRejectsUnreachableTargets()
    {
        var workload = new Workload(200, 300);
        Assert.Throws<ArgumentOutOfRangeException>(() => Staffing.SmallestAgents(workload, 1.0, 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => Staffing.SmallestAgents(workload, -0.1, 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => Staffing.SmallestAgents(workload, 0.8, 30, maxAbandoned: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Staffing.SmallestAgents(workload, 0.8, -1));
    }
}
