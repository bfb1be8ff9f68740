using MrdSimulator.Domain.Media;

namespace MrdSimulator.Domain.Tests.Media;

/// <summary>The state hierarchy over dialogs (reference §5.3).</summary>
public sealed class MediaHierarchyTests
{
    private static AgentState Aggregate(AgentState availability, bool interrupted, params DialogState[] dialogs) =>
        MediaHierarchy.Aggregate(availability, interrupted, dialogs.Select((d, i) => new DialogSummary($"{i}", d)).ToArray());

    [Theory]
    [InlineData(AgentState.Ready)]
    [InlineData(AgentState.NotReady)]
    public void NoLiveTaskShowsTheChosenAvailability(AgentState availability) =>
        Assert.Equal(availability, Aggregate(availability, false));

    [Fact]
    public void DocumentedExamplePausedWrapUpAndActiveIsActive() =>
        Assert.Equal(AgentState.Active, Aggregate(AgentState.Ready, false, DialogState.Paused, DialogState.WrappingUp, DialogState.Active));

    [Fact]
    public void DocumentedExampleThenAnInterruptIsInterrupted() =>
        Assert.Equal(AgentState.Interrupted, Aggregate(AgentState.Ready, true, DialogState.Paused, DialogState.WrappingUp, DialogState.Active));

    [Theory]
    [InlineData(AgentState.Active, DialogState.Active)]
    [InlineData(AgentState.Active, DialogState.Accepted)]
    [InlineData(AgentState.WorkReady, DialogState.WrappingUp)]
    [InlineData(AgentState.WorkReady, DialogState.WrappingUp, DialogState.Paused)]
    [InlineData(AgentState.Paused, DialogState.Paused)]
    [InlineData(AgentState.Paused, DialogState.Paused, DialogState.Offered)]
    [InlineData(AgentState.Reserved, DialogState.Offered)]
    [InlineData(AgentState.Active, DialogState.Offered, DialogState.Active)]
    public void HighestRankedTaskStateWins(AgentState expected, params DialogState[] dialogs) =>
        Assert.Equal(expected, Aggregate(AgentState.NotReady, false, dialogs));

    [Fact]
    public void InterruptWithoutLiveTasksLeavesTheAvailability() =>
        Assert.Equal(AgentState.Ready, Aggregate(AgentState.Ready, true));
}
