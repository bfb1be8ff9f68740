using System.Globalization;
using MrdSimulator.Load.Stats;

namespace MrdSimulator.Load.Engine;

/// <summary>
/// How a virtual user re-sends a request that failed in a way a retry can cure, as real desktops and connectors do
/// instead of hammering a failing server (issue 15: agents looping without pause sent 11,800 requests a second of
/// 503s through an outage). The pause before attempt n+1 after n consecutive failures is
/// <c>min(MaxDelay, InitialDelay × Multiplier^(n−1))</c>, shortened by a random share of up to <see cref="Jitter"/> so
/// that users failing together do not come back together. The failure count belongs to the virtual user
/// (<see cref="Backoff"/>), not to one request: after it gives up on a request its next one still waits, so a long
/// outage costs each user one request per <see cref="MaxDelay"/> or so. Retries are recorded apart from first
/// attempts (<see cref="StepRecorder.Retries"/>).
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Every request sent once; no pause after failures (the driver's behaviour before retries existed).</summary>
    public static readonly RetryPolicy Off = new() { Enabled = false };

    /// <summary>Scenario types whose requests go through a policy (agents' Media and Dialog PUTs and notification subscriptions).</summary>
    public static readonly IReadOnlyList<string> SupportedTypes = ["agent-shift", "state-storm", "hot-pair", "task-handling"];

    public bool Enabled { get; init; } = true;

    /// <summary>Attempts per request, the first included (1 = no retry, only the pause after failures).</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public double Multiplier { get; init; } = 2;

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Up to this share (0..1) of each pause is taken off at random.</summary>
    public double Jitter { get; init; } = 0.5;

    /// <summary>
    /// On for the scenarios whose virtual users are agents, as Finesse desktops; off for hot-pair, whose point is the
    /// answer a pair's overload gets, and for http and task-feed, which send each request once.
    /// </summary>
    public static RetryPolicy DefaultFor(string scenarioType) =>
        scenarioType is "agent-shift" or "state-storm" or "task-handling" ? new RetryPolicy() : Off;

    /// <summary>
    /// Failures a retry can cure: a 5xx answer (the server refused before acting: Finesse's 503 when out of service
    /// or overloaded) or no answer at all (connection refused or reset). Not a timeout: the request may have been
    /// served, and sending it again would change the state the scenario expects.
    /// </summary>
    public static bool IsRetryable(int status) => status is >= 500 and <= 599 || status == StatusCodes.ConnectionError;

    /// <summary>The longest pause after <paramref name="failures"/> consecutive failures (zero for none).</summary>
    public TimeSpan Ceiling(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var ms = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, failures - 1);
        return double.IsFinite(ms) && ms < MaxDelay.TotalMilliseconds ? TimeSpan.FromMilliseconds(ms) : MaxDelay;
    }

    /// <summary>The pause after <paramref name="failures"/> failures for a uniform draw <paramref name="unit"/> in [0, 1).</summary>
    public TimeSpan Delay(int failures, double unit) => Ceiling(failures) * (1 - (Jitter * unit));

    /// <summary>The first setting out of range (named as in a scenario file) and why; null when the policy is sound.</summary>
    public (string Field, string Reason)? Problem()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            return ("maxAttempts", $"{MaxAttempts} is out of range (1..100)");
        }

        if (InitialDelay < TimeSpan.FromMilliseconds(1) || InitialDelay > TimeSpan.FromMinutes(10))
        {
            return ("initialDelay", $"{Durations.Format(InitialDelay)} is out of range (1ms..10m)");
        }

        if (!(Multiplier >= 1 && Multiplier <= 10))
        {
            return ("multiplier", $"{Multiplier.ToString(CultureInfo.InvariantCulture)} is out of range (1..10; 1 keeps the pause constant)");
        }

        if (MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromHours(1))
        {
            return ("maxDelay", MaxDelay > TimeSpan.FromHours(1)
                ? $"{Durations.Format(MaxDelay)} is out of range (at most 1h)"
                : $"{Durations.Format(MaxDelay)} is shorter than initialDelay {Durations.Format(InitialDelay)}");
        }

        if (!(Jitter >= 0 && Jitter <= 1))
        {
            return ("jitter", $"{Jitter.ToString(CultureInfo.InvariantCulture)} is out of range (0..1)");
        }

        return null;
    }

    public string Describe() => !Enabled
        ? "off"
        : string.Create(
            CultureInfo.InvariantCulture,
            $"{MaxAttempts} attempts, pause {Durations.Format(InitialDelay)} ×{Multiplier} up to {Durations.Format(MaxDelay)}, jitter {Jitter}");
}

/// <summary>
/// The back-off state of one virtual user under a <see cref="RetryPolicy"/>: its consecutive retryable failures, across
/// requests and iterations. Thread-safe: a task-handling agent works several dialogs at once.
/// </summary>
public sealed class Backoff
{
    private readonly Random _random;
    private int _failures;

    private Backoff(RetryPolicy policy, int seed)
    {
        Policy = policy;
        _random = new Random(seed);
    }

    public RetryPolicy Policy { get; }

    /// <summary>Consecutive retryable failures (0 after a success).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>The back-off of virtual user <paramref name="index"/>; null when the policy is off (requests go out once, unpaused).</summary>
    public static Backoff? For(RetryPolicy policy, int scenarioSeed, int index) =>
        policy.Enabled ? new Backoff(policy, unchecked((scenarioSeed * 7919) + index)) : null;

    /// <summary>Waits out the pause the user owes after failures before its next request; false (at once) when it owes none.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var failures = Failures;
        if (failures == 0)
        {
            return false;
        }

        double unit;
        lock (_random)
        {
            unit = _random.NextDouble();
        }

        await Task.Delay(Policy.Delay(failures, unit), cancellationToken);
        return true;
    }

    public void Succeeded() => Volatile.Write(ref _failures, 0);

    /// <summary>
    /// Counts attempt <paramref name="attempt"/> of a request of <paramref name="step"/> that failed with
    /// <paramref name="status"/>; true when the request should be sent again. A retryable failure on the last attempt
    /// counts as given up on the step.
    /// </summary>
    public bool RetryAfter(StepRecorder step, int status, int attempt)
    {
        if (!RetryPolicy.IsRetryable(status))
        {
            return false;
        }

        Interlocked.Increment(ref _failures);
        if (attempt < Policy.MaxAttempts)
        {
            return true;
        }

        step.CountGaveUp();
        return false;
    }
}
