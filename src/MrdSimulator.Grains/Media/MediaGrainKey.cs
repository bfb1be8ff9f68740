namespace MrdSimulator.Grains.Media;

/// <summary>The identity of a Media grain: one agent in one MRD.</summary>
public readonly record struct MediaGrainKey(string UserId, int MrdId)
{
    public override string ToString() => $"{UserId}/{MrdId}";
}
