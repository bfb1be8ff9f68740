namespace MrdSimulator.Gateway.Tests.Infrastructure;

/// <summary>Waiting for what the server reaches in its own time (a queue length, a stream that ends).</summary>
public static class Wait
{
    public static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
