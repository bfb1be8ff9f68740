using MrdSimulator.GrainInterfaces.Simulation;

namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// The random draws of simulated traffic, each rounded to whole ticks so that a replay of the same seed gives the
/// same times to the tick (a task's wait is then exactly reproducible from arrivals and work).
/// </summary>
internal static class Sampling
{
    public static double Exponential(this Random random, double mean) => Ticks(-mean * Math.Log(1 - random.NextDouble()));

    /// <summary>A task's work: mean <paramref name="mean"/> seconds, shaped by <paramref name="distribution"/>.</summary>
    public static double Work(this Random random, double mean, WorkDistribution? distribution) => (distribution?.Shape ?? WorkShape.Exponential) switch
    {
        WorkShape.Fixed => Ticks(mean),
        WorkShape.LogNormal => Ticks(LogNormal(random, mean, distribution!.CoefficientOfVariation)),
        _ => random.Exponential(mean),
    };

    /// <summary>
    /// Seconds from <paramref name="elapsed"/> to the next arrival of a Poisson process whose rate follows
    /// <paramref name="profile"/> (constant <paramref name="tasksPerHour"/> without one), by inverting the integrated
    /// rate; null when the profile ends first.
    /// </summary>
    public static double? NextArrival(this Random random, double elapsed, double tasksPerHour, ArrivalProfile? profile)
    {
        var unit = -Math.Log(1 - random.NextDouble());
        if (profile is null)
        {
            return Ticks(unit * 3600 / tasksPerHour);
        }

        var at = elapsed;
        for (var slot = (int)(elapsed / profile.SlotSeconds); slot < profile.TasksPerHour.Length; slot++)
        {
            var end = (slot + 1) * profile.SlotSeconds;
            var rate = profile.TasksPerHour[slot] / 3600;
            if (rate * (end - at) >= unit)
            {
                return Ticks(at + unit / rate - elapsed);
            }

            unit -= rate * (end - at);
            at = end;
        }

        return null;
    }

    private static double LogNormal(Random random, double mean, double cv)
    {
        // Parameters of the underlying normal that give this mean and coefficient of variation.
        var sigma2 = Math.Log(1 + cv * cv);
        var mu = Math.Log(mean) - sigma2 / 2;
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Exp(mu + Math.Sqrt(sigma2) * normal);
    }

    private static double Ticks(double seconds) => TimeSpan.FromSeconds(seconds).Ticks / (double)TimeSpan.TicksPerSecond;
}
