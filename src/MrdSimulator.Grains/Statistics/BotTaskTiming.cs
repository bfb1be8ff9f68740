namespace MrdSimulator.Grains.Statistics;

/// <summary>
/// What the real-time hops added to bot tasks, in simulated seconds (one task, or a sum of them). A struct so that
/// reporting it per task allocates nothing beyond the outbox's own posting.
/// </summary>
/// <param name="OfferLagSeconds">Offer → START landing in the Media grain, minus the intended accept delay.</param>
/// <param name="HandleInflationSeconds">START landing → CLOSE acknowledged, minus the intended handle time and wrap-up.</param>
/// <param name="IntendedHandleSeconds">The intended handle time and wrap-up.</param>
/// <param name="TimerFirings">Bot timers that fired for the task(s).</param>
/// <param name="TimerLatenessSeconds">How late they fired in sum (clock at the callback − due time).</param>
public readonly record struct BotTaskTiming(
    long Tasks, double OfferLagSeconds, double HandleInflationSeconds, double IntendedHandleSeconds, long TimerFirings, double TimerLatenessSeconds)
{
    public BotTaskTiming Plus(in BotTaskTiming other) => new(
        Tasks + other.Tasks,
        OfferLagSeconds + other.OfferLagSeconds,
        HandleInflationSeconds + other.HandleInflationSeconds,
        IntendedHandleSeconds + other.IntendedHandleSeconds,
        TimerFirings + other.TimerFirings,
        TimerLatenessSeconds + other.TimerLatenessSeconds);
}
