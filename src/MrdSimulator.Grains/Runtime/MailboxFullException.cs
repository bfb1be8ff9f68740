namespace MrdSimulator.Grains.Runtime;

/// <summary>The grain's mailbox holds as many calls as it may; this call was refused and nothing was queued.</summary>
public sealed class MailboxFullException(string grain, int capacity)
    : Exception($"The mailbox of {grain} is full ({capacity} calls waiting)")
{
    public string Grain { get; } = grain;

    public int Capacity { get; } = capacity;
}
