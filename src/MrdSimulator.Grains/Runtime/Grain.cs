namespace MrdSimulator.Grains.Runtime;

/// <summary>
/// Base class of every grain: lifecycle hooks and timers. A grain's methods run one turn at a time
/// (never concurrently, never interleaved), so grain code needs no locks.
/// </summary>
public abstract class Grain
{
    internal IGrainActivation? Activation { get; set; }

    /// <summary>Runs as the first turn, before any call: load state here.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs as the last turn when the activation is collected.</summary>
    public virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Registers a timer whose every tick runs as a turn of this grain. While a timer is registered the
    /// activation is not collected (Orleans' KeepAlive timer option; our timers stand in for reminders).
    /// </summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        (Activation ?? throw new InvalidOperationException("The grain is not activated")).RegisterTimer(callback, dueTime, period);

    /// <summary>Asks the runtime to deactivate this grain once the current turn ends.</summary>
    protected void DeactivateOnIdle() => Activation?.RequestDeactivation();
}

/// <summary>The runtime side of an activation, as a grain sees it.</summary>
internal interface IGrainActivation
{
    IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    void RequestDeactivation();
}
