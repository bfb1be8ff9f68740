using MrdSimulator.Load.Cli;

namespace MrdSimulator.Load;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await CommandLine.Parse(args).InvokeAsync(cancellationToken: cancel.Token);
    }
}
