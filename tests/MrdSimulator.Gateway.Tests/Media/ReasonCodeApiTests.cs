using System.Net;
using MrdSimulator.Gateway.Tests.Infrastructure;

namespace MrdSimulator.Gateway.Tests.Media;

public sealed class ReasonCodeApiTests : IDisposable
{
    private readonly SimulatorFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task UserReasonCodeListMatchesGolden()
    {
        using var client = _factory.ClientFor("1234");

        Assert.Equal(SimulatorFactory.Golden("reasoncodes-not-ready.xml"), await client.GetStringAsync("/finesse/api/User/1234/ReasonCodes?category=NOT_READY"));
    }

    [Theory]
    [InlineData("/finesse/api/User/1234/ReasonCodes", HttpStatusCode.BadRequest, "Parameter Missing")]
    [InlineData("/finesse/api/User/1234/ReasonCodes?category=not_ready", HttpStatusCode.BadRequest, "Invalid Input")]
    [InlineData("/finesse/api/User/1234/ReasonCode/4242", HttpStatusCode.NotFound, "Not Found")]
    [InlineData("/finesse/api/User/1234/ReasonCode/abc", HttpStatusCode.NotFound, "Not Found")]
    [InlineData("/finesse/api/User/1235/ReasonCodes?category=NOT_READY", HttpStatusCode.Unauthorized, "Invalid Authorization User Specified")]
    [InlineData("/finesse/api/ReasonCodes?category=BUSY", HttpStatusCode.BadRequest, "Invalid Input")]
    public async Task BadReasonCodeQueriesGetFinesseErrors(string url, HttpStatusCode status, string errorType)
    {
        using var client = _factory.ClientFor("1234");

        using var response = await client.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains($"<ErrorType>{errorType}</ErrorType>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleReasonCodeIsReturned()
    {
        using var client = _factory.ClientFor("1234");

        var xml = await client.GetStringAsync("/finesse/api/User/1234/ReasonCode/1001");

        Assert.Contains("<label>Break</label>", xml, StringComparison.Ordinal);
        Assert.Contains("<uri>/finesse/api/ReasonCode/1001</uri>", xml, StringComparison.Ordinal);
    }
}
