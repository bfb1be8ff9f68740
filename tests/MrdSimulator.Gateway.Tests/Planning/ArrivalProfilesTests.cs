using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Planning;

namespace MrdSimulator.Gateway.Tests.Planning;

public sealed class ArrivalProfilesTests
{
    [Fact]
    public void ADayInQuarterHoursReadsAsEqualSlotsFromItsFirstStart()
    {
        var profile = ArrivalProfiles.Parse("day.csv", "# Monday\ninterval,rate\n08:00,120\n08:15, 180\n\n08:30,0\r\n");

        Assert.Equal(900, profile.SlotSeconds);
        Assert.Equal([120, 180, 0], profile.TasksPerHour.ToArray());
        Assert.Equal(8 * 3600, profile.OriginSeconds);
    }

    [Theory]
    [InlineData("08:00,120\n08:15,120\n08:45,120\n", "day.csv line 3: intervals must be equal")]
    [InlineData("08:00,120\n08:15,-1\n", "day.csv line 2: '-1' is not a rate")]
    [InlineData("08:00,120\n08:00,120\n", "day.csv line 2: starts must increase")]
    [InlineData("08:00,120\nlunch,120\n", "day.csv line 2: 'lunch' is not a start time")]
    [InlineData("08:00,120,5\n", "day.csv line 1: '08:00,120,5' is not 'start,tasks per hour'")]
    [InlineData("08:00,120\n", "needs at least two intervals")]
    [InlineData("08:00,0\n08:15,0\n", "every rate is 0")]
    public void AMalformedProfileNamesTheLineAtFault(string text, string message)
    {
        var error = Assert.Throws<OptionsException>(() => ArrivalProfiles.Parse("day.csv", text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
