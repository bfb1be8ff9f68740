using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.GrainInterfaces.Media;

namespace MrdSimulator.Grains.Chaos;

/// <summary>What the chaos layer may do inside a Media grain's turn.</summary>
public interface IMediaFaults
{
    /// <summary>
    /// Consulted first in every Media PUT: a non-null error is published as the request's asynchronous
    /// <c>apiErrors</c> Update and the state is left as it was, as when the back end refuses a request.
    /// </summary>
    ValueTask<ArmError?> BeforeApplyAsync(MediaGrainKey key, MediaRequest request, MediaState current);

    /// <summary>Whether an offer rings out at once (a RONA storm) instead of after the MRD's start timeout.</summary>
    bool RingsOut(MediaGrainKey key, string dialogId);
}

/// <summary>
/// The slot (one per silo) through which the chaos engine of the same process installs <see cref="IMediaFaults"/>;
/// empty costs one null check per request.
/// </summary>
public sealed class MediaFaultHook
{
    private IMediaFaults? _current;

    public IMediaFaults? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
