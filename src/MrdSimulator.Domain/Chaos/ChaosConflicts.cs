namespace MrdSimulator.Domain.Chaos;

/// <summary>A fault already scheduled or active: what a new one may clash with.</summary>
public readonly record struct ScheduledFault(string Id, FaultKind Kind, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>
/// The rules a set of new faults must keep against the faults already scheduled or active: ids are unique, and
/// failover windows may not overlap (the side cannot fail over while it is down). One place for the embedded
/// engine and the cluster's chaos grain, so both refuse the same requests with the same words.
/// </summary>
public static class ChaosConflicts
{
    /// <summary>Why <paramref name="specs"/>, added at <paramref name="now"/>, cannot be added; null when they can.</summary>
    public static string? Find(IReadOnlyCollection<ScheduledFault> existing, IReadOnlyList<FaultSpec> specs, DateTimeOffset now)
    {
        foreach (var spec in specs)
        {
            if (existing.Any(f => f.Id == spec.Id) || specs.Count(s => s.Id == spec.Id) > 1)
            {
                return $"a fault with id '{spec.Id}' exists; clear it first or choose another id";
            }

            if (spec.Kind == FaultKind.Failover)
            {
                var start = now + spec.At;
                DateTimeOffset? end = spec.Duration is { } d ? start + d : null;
                if (existing.FirstOrDefault(f => f.Kind == FaultKind.Failover && Overlaps(f.Start, f.End, start, end)) is { Id: not null } other)
                {
                    return $"failover '{spec.Id}' would overlap failover '{other.Id}'; failover windows may not overlap";
                }
            }
        }

        return null;
    }

    private static bool Overlaps(DateTimeOffset aStart, DateTimeOffset? aEnd, DateTimeOffset bStart, DateTimeOffset? bEnd) =>
        (aEnd is null || bStart < aEnd) && (bEnd is null || aStart < bEnd);
}
