namespace MrdSimulator.Xmpp.Tests;

/// <summary>One simulator for a test class; tests use distinct users so they do not see each other's events.</summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    public SimulatorHost Host { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Host = SimulatorHost.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
