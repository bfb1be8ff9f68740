using MrdSimulator.Domain.Tasks;
using MrdSimulator.Grains.Runtime;

namespace MrdSimulator.Grains.Simulation;

/// <param name="TasksPerHour">Poisson arrival rate (simulated time).</param>
/// <param name="MeanWorkSeconds">When set, each task carries an exponential amount of work that bots honour
/// (so a task's handle time is a property of the task, as in queueing models); otherwise bots sample their own.</param>
/// <param name="MaxTasks">Stop after this many tasks (null: run until stopped).</param>
public sealed record GeneratorProfile(double TasksPerHour, string ScriptSelector, double? MeanWorkSeconds = null, long? MaxTasks = null, int Seed = 7);

/// <summary>Submits tasks to one script selector with exponential inter-arrival times, through the same path as the CCP API.</summary>
public sealed class TaskGeneratorGrain(int mrdId, Silo silo) : Grain
{
    private GeneratorProfile? _profile;
    private Random _random = new(7);
    private IDisposable? _timer;
    private long _submitted;

    public long Submitted => _submitted;

    public ValueTask<bool> StartAsync(GeneratorProfile profile)
    {
        if (_profile is not null || profile.TasksPerHour <= 0)
        {
            return ValueTask.FromResult(false);
        }

        _profile = profile;
        _random = new Random(profile.Seed);
        ScheduleNext();
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _profile = null;
        return ValueTask.FromResult(true);
    }

    public ValueTask<long> GetSubmittedAsync() => ValueTask.FromResult(_submitted);

    private void ScheduleNext()
    {
        var profile = _profile!;
        var gap = Exponential(3600 / profile.TasksPerHour);
        _timer = RegisterTimer(_ => ArriveAsync(), TimeSpan.FromSeconds(gap), Timeout.InfiniteTimeSpan);
    }

    private async Task ArriveAsync()
    {
        if (_profile is not { } profile)
        {
            return;
        }

        _submitted++;
        TimeSpan? work = profile.MeanWorkSeconds is { } mean ? TimeSpan.FromSeconds(Exponential(mean)) : null;
        if (profile.MaxTasks is null || _submitted < profile.MaxTasks)
        {
            ScheduleNext();
        }
        else
        {
            _profile = null;
        }

        var task = new TaskSubmission("Generated customer", FormattableString.Invariant($"Generated task {_submitted} of MRD {mrdId}"), null, profile.ScriptSelector, false, [], [new TaskVariable("cv_1", _submitted.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        try
        {
            await silo.Tasks.SubmitAsync(silo.Directory.Feeds.Count > 0 ? silo.Directory.Feeds[0].Id : 0, task, work).ConfigureAwait(false);
        }
        catch (MailboxFullException)
        {
            // The queue is overloaded: the arrival is refused, as a 503 would refuse a CCP client.
        }
    }

    /// <summary>Exponential sample rounded to whole ticks, so replaying a run gives the same times.</summary>
    private double Exponential(double mean) => TimeSpan.FromSeconds(-mean * Math.Log(1 - _random.NextDouble())).Ticks / (double)TimeSpan.TicksPerSecond;
}
