using System.Collections.Immutable;
using System.Globalization;
using MrdSimulator.Domain.Directory;
using Microsoft.Extensions.DependencyInjection;
using MrdSimulator.Domain.Tasks;
using MrdSimulator.GrainInterfaces.References;
using MrdSimulator.GrainInterfaces.Simulation;
using MrdSimulator.GrainInterfaces.Tasks;

namespace MrdSimulator.Grains.Simulation;

/// <summary>
/// Submits tasks to one script selector as a Poisson process (constant rate, or following a rate profile), through
/// the same contact and queue grains as a CCP client; impatient customers cancel their task as a CCP client would.
/// Kept alive while it runs: its schedule lives only here.
/// </summary>
[KeepAlive]
public sealed class TaskGeneratorGrain(
    SimulatorDirectory directory,
    SimulationWork work,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, ITaskGeneratorGrain
{
    private readonly List<string> _submitted = [];
    private GeneratorProfile? _profile;
    private Random _random = new(7);
    private Random _patience = new(7);
    private IDisposable? _timer;
    private long _count;
    private long _started;

    private int MrdId => (int)this.GetPrimaryKeyLong();

    public ValueTask<bool> StartAsync(GeneratorProfile profile)
    {
        if (_profile is not null || (profile.Profile is null && profile.TasksPerHour <= 0))
        {
            return ValueTask.FromResult(false);
        }

        _profile = profile;
        _random = new Random(profile.Seed);

        // Patience has its own stream, so a run with impatient customers sees the same arrivals and work as one without.
        _patience = new Random(unchecked(profile.Seed * 31 + 17));
        _started = clock.GetTimestamp();
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
        var profile = _profile!;
        var elapsed = clock.GetElapsedTime(_started).TotalSeconds;
        if (_random.NextArrival(elapsed, profile.TasksPerHour, profile.Profile) is not { } gap)
        {
            _profile = null;
            return;
        }

        _timer = this.After(TimeSpan.FromSeconds(gap), work, ArriveAsync);
    }

    private async Task ArriveAsync()
    {
        if (_profile is not { } profile)
        {
            return;
        }

        _count++;
        TimeSpan? hint = profile.MeanWorkSeconds is { } mean ? TimeSpan.FromSeconds(_random.Work(mean, profile.Work)) : null;
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
            if (result.Contact is not null && profile.IsBounded)
            {
                _submitted.Add(contactId);
            }

            if (result.Contact is not null && profile.MeanPatienceSeconds is { } patience)
            {
                // The customer gives up after its patience; once an agent has the task the cancel is refused, as CCP refuses it.
                this.After(TimeSpan.FromSeconds(_patience.Exponential(patience)), work, async () => await GrainFactory.Get<IContactGrain>(contactId).CancelAsync());
            }
        }
        catch (LimitExceededException)
        {
            // The queue is overloaded: the arrival is refused, as a 503 would refuse a CCP client.
        }
    }
}
