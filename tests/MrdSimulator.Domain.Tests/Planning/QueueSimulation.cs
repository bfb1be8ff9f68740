namespace MrdSimulator.Domain.Tests.Planning;

/// <summary>
/// A small Monte Carlo of the M/M/N+M queue, independent of the formulas: Poisson arrivals served first come
/// first served by N agents, each task leaving if its exponential patience runs out first. With FCFS a task's
/// start is the earliest moment an agent is free after every earlier answered task took one, so one pass in
/// arrival order over the agents' free times decides every task (abandoned tasks never hold an agent).
/// </summary>
internal static class QueueSimulation
{
    /// <summary>Per-task outcomes in arrival order (each array one value per task).</summary>
    internal sealed record Outcomes(double[] Waited, double[] Wait, double[] Answered, double[] AnsweredWait, double[] AnsweredInTime, double[] Abandoned);

    internal static Outcomes Run(int agents, double arrivalsPerHour, double handleSeconds, double? patienceSeconds, double thresholdSeconds, int tasks, int seed)
    {
        var random = new Random(seed);
        double Exponential(double mean) => -Math.Log(1 - random.NextDouble()) * mean;

        var free = new double[agents];
        var outcomes = new Outcomes(new double[tasks], new double[tasks], new double[tasks], new double[tasks], new double[tasks], new double[tasks]);
        var clock = 0.0;
        for (var i = 0; i < tasks; i++)
        {
            clock += Exponential(3600 / arrivalsPerHour);
            var patience = patienceSeconds is { } p ? Exponential(p) : double.PositiveInfinity;
            var first = 0;
            for (var a = 1; a < agents; a++)
            {
                first = free[a] < free[first] ? a : first;
            }

            var wait = Math.Max(0, free[first] - clock);
            outcomes.Waited[i] = wait > 0 ? 1 : 0;
            if (wait > patience)
            {
                outcomes.Wait[i] = patience;
                outcomes.Abandoned[i] = 1;
                continue;
            }

            free[first] = clock + wait + Exponential(handleSeconds);
            outcomes.Wait[i] = wait;
            outcomes.Answered[i] = 1;
            outcomes.AnsweredWait[i] = wait;
            outcomes.AnsweredInTime[i] = wait <= thresholdSeconds ? 1 : 0;
        }

        return outcomes;
    }
}
