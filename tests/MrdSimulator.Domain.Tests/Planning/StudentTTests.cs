using MrdSimulator.Domain.Planning;

namespace MrdSimulator.Domain.Tests.Planning;

public sealed class StudentTTests
{
    // Two-sided 95 % points (97.5 % quantiles) from the standard t table (e.g. NIST/SEMATECH e-Handbook of
    // Statistical Methods, table 1.3.6.7.2), given there to three decimals.
    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(3, 3.182)]
    [InlineData(5, 2.571)]
    [InlineData(10, 2.228)]
    [InlineData(19, 2.093)]
    [InlineData(30, 2.042)]
    [InlineData(60, 2.000)]
    [InlineData(100, 1.984)]
    public void StudentTQuantileMatchesPublishedTable(int degreesOfFreedom, double expected)
    {
        Assert.Equal(expected, StudentT.Quantile(0.975, degreesOfFreedom), 3);
        Assert.Equal(expected, StudentT.TwoSided(0.95, degreesOfFreedom), 3);
        Assert.Equal(-expected, StudentT.Quantile(0.025, degreesOfFreedom), 3);
    }

    [Fact]
    public void StudentTQuantileMatchesClosedFormsForOneAndTwoDegrees()
    {
        // ν = 1 is Cauchy: q = tan(π(p − ½)); ν = 2: q = (2p − 1)/√(2p(1 − p)).
        foreach (var p in new[] { 0.6, 0.9, 0.975, 0.995, 0.9999 })
        {
            Assert.Equal(Math.Tan(Math.PI * (p - 0.5)), StudentT.Quantile(p, 1), 1e-9 * Math.Tan(Math.PI * (p - 0.5)));
            Assert.Equal((2 * p - 1) / Math.Sqrt(2 * p * (1 - p)), StudentT.Quantile(p, 2), 1e-10);
        }

        Assert.Equal(0, StudentT.Quantile(0.5, 7));
        Assert.Equal(1.812, StudentT.Quantile(0.95, 10), 3);
        Assert.Equal(3.169, StudentT.Quantile(0.995, 10), 3);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(1500)]
    [InlineData(5000)]
    public void StudentTExpansionAgreesWithTheExactSeriesWhereItTakesOver(int degreesOfFreedom)
    {
        foreach (var p in new[] { 0.8, 0.95, 0.975, 0.995, 0.9995 })
        {
            Assert.Equal(StudentT.QuantileBySeries(p, degreesOfFreedom), StudentT.QuantileByExpansion(p, degreesOfFreedom), 1e-11);
        }
    }

    [Fact]
    public void StudentTTendsToTheNormalQuantile()
    {
        Assert.Equal(1.959963985, StudentT.NormalQuantile(0.975), 9);
        Assert.Equal(2.575829304, StudentT.NormalQuantile(0.995), 9);
        Assert.Equal(-1.644853627, StudentT.NormalQuantile(0.05), 9);
        Assert.Equal(1.959963985, StudentT.Quantile(0.975, 10_000_000), 6);
        Assert.True(StudentT.Quantile(0.975, 1000) > StudentT.Quantile(0.975, 2000));
    }

    [Fact]
    public void StudentTRejectsProbabilitiesOutsideTheOpenUnitInterval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0.9, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.TwoSided(1, 5));
    }
}
