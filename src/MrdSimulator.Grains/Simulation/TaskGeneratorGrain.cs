using System.Collections.Immutable;
using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Submits tasks to one script selector with exponential inter-arrival times, through the same contact and queue
/// grains as a CCP client. Kept alive while it runs: its schedule lives only here.
/// </summary>
[KeepAlive]
public sealed class TaskGeneratorGrain(SimulatorDirectory directory, SimulationWork work) : Grain, ITaskGeneratorGrain
{
    private readonly List<string> _submitted = [];
    private GeneratorProfile? _profile;
    private Random _random = new(7);
    private IDisposable? _timer;
    private long _count;

    private int MrdId => (int)this.GetPrimaryKeyLong();

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

    public ValueTask StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _profile = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask<ImmutableArray<string>> GetSubmittedAsync() => ValueTask.FromResult(_submitted.ToImmutableArray());

    private void ScheduleNext()
    {
        var gap = Exponential(3600 / _profile!.TasksPerHour);
        _timer = this.After(TimeSpan.FromSeconds(gap), work, ArriveAsync);
    }

    private async Task ArriveAsync()
    {
        if (_profile is not { } profile)
        {
            return;
        }

        _count++;
        TimeSpan? hint = profile.MeanWorkSeconds is { } mean ? TimeSpan.FromSeconds(Exponential(mean)) : null;
        if (profile.MaxTasks is null || _count < profile.MaxTasks)
        {
            ScheduleNext();
        }
        else
        {
            _profile = null;
        }

        var n = _count.ToString(CultureInfo.InvariantCulture);
        var task = new TaskSubmission("Generated customer", $"Generated task {n} of MRD {MrdId.ToString(CultureInfo.InvariantCulture)}", null, profile.ScriptSelector, false, [], [new TaskVariable("cv_1", n)]);
        var contactId = ContactIds.New();
        try
        {
            // A queue at its limit refuses the arrival, as it answers a CCP client 503.
            var result = await GrainFactory.Get<IContactGrain>(contactId).SubmitAsync(directory.Feeds.Count > 0 ? directory.Feeds[0].Id : 0, task, hint);
            if (result.Contact is not null && profile.MaxTasks is not null)
            {
                _submitted.Add(contactId);
            }
        }
        catch (LimitExceededException)
        {
            // The queue is overloaded: the arrival is refused, as a 503 would refuse a CCP client.
        }
    }

    /// <summary>Exponential sample rounded to whole ticks, so replaying a run gives the same times.</summary>
    private double Exponential(double mean) => TimeSpan.FromSeconds(-mean * Math.Log(1 - _random.NextDouble())).Ticks / (double)TimeSpan.TicksPerSecond;
}
