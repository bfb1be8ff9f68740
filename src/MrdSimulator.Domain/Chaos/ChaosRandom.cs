namespace MrdSimulator.Domain.Chaos;

/// <summary>
/// Counter-based randomness: draw <c>n</c> of stream <c>s</c> for scope key <c>k</c> of a fault seeded
/// <c>seed</c> is a pure function of those four values. So a fault's decisions depend only on how many
/// requests of that scope it has seen, never on thread timing or on other users' traffic.
/// </summary>
public static class ChaosRandom
{
    /// <summary>The seed of one fault in a plan: the plan's seed mixed with the fault's id.</summary>
    public static ulong FaultSeed(ulong planSeed, string faultId) => Mix(planSeed ^ Hash(faultId));

    /// <summary>A draw in [0,1).</summary>
    public static double Unit(ulong faultSeed, string scopeKey, long n, int stream = 0)
    {
        var x = Mix(faultSeed ^ Hash(scopeKey));
        x = Mix(x ^ (ulong)n);
        x = Mix(x ^ (ulong)(stream + 1) * 0x9E3779B97F4A7C15UL);
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong Hash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>SplitMix64's finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
