namespace MrdSimulator.Grains.Storage;

/// <summary>The storage provider every simulator grain persists its state to (in-process, memory or Redis by mode).</summary>
public static class StorageNames
{
    public const string Grains = "simulator";
}
