using Microsoft.Extensions.Time.Testing;
using MrdSimulator.Domain.Directory;

namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway tests' simulator: in memory, on the golden directory (users 1234 and 1235, password "secret"), with
/// the grains' clock fixed at the reference sample's time so that the XML matches the golden files byte for byte.
/// </summary>
public sealed class SimulatorFactory : SimulatorHost
{
    public static readonly DateTimeOffset SampleTime = new(2015, 9, 11, 6, 55, 14, 782, TimeSpan.Zero);

    public SimulatorFactory()
    {
        Clock = Time;
        Directory = GoldenDirectory;
        Password = "secret";
    }

    public FakeTimeProvider Time { get; } = new(SampleTime);

    public static SimulatorDirectory GoldenDirectory { get; } =
        DirectoryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "Golden", "golden-directory.yaml"));

    public static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));
}
