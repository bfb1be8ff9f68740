using System.Globalization;
using MrdSimulator.GrainInterfaces.References;

namespace MrdSimulator.GrainInterfaces.Media;

/// <summary>The identity of a Media grain: one agent in one MRD, keyed <c>"{userId}/{mrdId}"</c>.</summary>
public readonly record struct MediaGrainKey(string UserId, int MrdId)
{
    public override string ToString() => UserId + "/" + MrdId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a grain key; the user id may not contain '/', the MRD id is the part after the last one.</summary>
    public static MediaGrainKey Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var mrdId))
        {
            throw new FormatException($"'{key}' is not a Media grain key (userId/mrdId)");
        }

        return new MediaGrainKey(key[..slash], mrdId);
    }
}

public static class MediaGrainFactoryExtensions
{
    public static IMediaGrain GetMediaGrain(this IGrainFactory grains, string userId, int mrdId) =>
        grains.Get<IMediaGrain>(new MediaGrainKey(userId, mrdId).ToString());

    public static IMediaGrain GetMediaGrain(this IGrainFactory grains, MediaGrainKey key) => grains.Get<IMediaGrain>(key.ToString());
}
