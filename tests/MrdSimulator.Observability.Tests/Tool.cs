namespace MrdSimulator.Observability.Tests;

/// <summary>Runs an external tool; a missing tool fails the test with the install command, it never skips it.</summary>
internal static class Tool
{
    public static string Require(string path, string package)
    {
        Assert.True(File.Exists(path), $"{path} is missing: install it with `apt-get install -y {package}` (CI: see docs/observability.md)");
        return path;
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
