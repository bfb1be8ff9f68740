namespace MrdSimulator.Grains.Runtime;

/// <summary>Runtime settings; defaults follow Orleans where Orleans has one.</summary>
public sealed record GrainRuntimeOptions
{
    /// <summary>Calls that may wait behind the running turn of one grain before new calls are refused.</summary>
    public int MailboxCapacity { get; init; } = 1024;

    /// <summary>How long an activation may sit idle before it is deactivated (Orleans CollectionAge: 15 min).</summary>
    public TimeSpan CollectionAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for (Orleans CollectionQuantum: 1 min).</summary>
    public TimeSpan CollectionQuantum { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Turns one thread runs back to back before yielding the rest of a busy mailbox to the thread pool.</summary>
    public int TurnsPerSlice { get; init; } = 32;
}
