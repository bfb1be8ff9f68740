using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Media;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Configuration;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;
using MrdSimulator.GrainInterfaces.Media;

namespace MrdSimulator.Gateway.Media;

/// <summary>Media—Sign In, Change State, Routable, Get Media and Get List (reference §4).</summary>
public static class MediaApi
{
    public static RouteGroupBuilder MapMediaApi(this RouteGroupBuilder finesse)
    {
        finesse.MapGet("/User/{id}/Media/{mrdId}", GetMediaAsync);
        finesse.MapPut("/User/{id}/Media/{mrdId}", PutMediaAsync);
        finesse.MapMethodNotAllowed("/User/{id}/Media/{mrdId}", HttpMethods.Get, HttpMethods.Put);
        finesse.MapGet("/User/{id}/Media", GetMediaListAsync);
        finesse.MapMethodNotAllowed("/User/{id}/Media", HttpMethods.Get);
        return finesse;
    }

    private static async Task<IResult> GetMediaAsync(string id, string mrdId, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (Resolve(id, mrdId, caller, directory, out var mrd) is { } error)
        {
            return FinesseResults.Error(error);
        }

        var state = caller.User.IsAssignedTo(mrd.Id) ? await grains.GetMediaGrain(id, mrd.Id).GetStateAsync() : null;
        return FinesseResults.Xml(MediaXml.Media(id, mrd, state, directory, declaration: true));
    }

    private static async Task<IResult> GetMediaListAsync(string id, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory)
    {
        if (caller.RequireSelf(id) is { } error)
        {
            return FinesseResults.Error(error);
        }

        var entries = new List<(MediaRoutingDomain, MediaState?)>(directory.NonVoiceMrds.Count);
        foreach (var mrd in directory.NonVoiceMrds)
        {
            entries.Add((mrd, caller.User.IsAssignedTo(mrd.Id) ? await grains.GetMediaGrain(id, mrd.Id).GetStateAsync() : null));
        }

        return FinesseResults.Xml(MediaXml.MediaList(id, entries, directory));
    }

    private static async Task<IResult> PutMediaAsync(string id, string mrdId, HttpContext context, FinesseCaller caller, IGrainFactory grains, SimulatorDirectory directory, SimulatorOptions options)
    {
        if (Resolve(id, mrdId, caller, directory, out var mrd) is { } error)
        {
            return FinesseResults.Error(error);
        }

        var media = mrd.Id.ToString(CultureInfo.InvariantCulture);
        if (RequestId.Read(context, out var requestId) is { } requestIdError)
        {
            return FinesseResults.Error(requestIdError with { ErrorMedia = media });
        }

        var (body, bodyError) = await RequestBody.ReadXmlAsync(context, options.MaxRequestBodyBytes, media);
        if (body is null)
        {
            return FinesseResults.Error(bodyError!);
        }

        MediaRequest? request;
        using (body)
        {
            (request, error) = MediaRequestParser.Parse(body.Memory, mrd.Id);
        }

        error ??= MediaRequestParser.Validate(request!, caller.User, mrd.Id, directory);
        if (error is not null)
        {
            return FinesseResults.Error(error);
        }

        // A grain that is full or unreachable throws; GrainFailureMiddleware answers 503 with this MRD as ErrorMedia.
        await grains.GetMediaGrain(id, mrd.Id).ApplyAsync(request!, requestId);
        return FinesseResults.Accepted();
    }

    /// <summary>The synchronous checks every Media URI shares: caller owns the URI, the MRD exists.</summary>
    private static ApiError? Resolve(string id, string mrdId, FinesseCaller caller, SimulatorDirectory directory, out MediaRoutingDomain mrd)
    {
        mrd = null!;
        if (caller.RequireSelf(id) is { } error)
        {
            return error;
        }

        if (!MrdIdSegment.TryParse(mrdId, out var mrdNumber))
        {
            return MrdIdSegment.Invalid(mrdId);
        }

        if (directory.FindMrd(mrdNumber) is not { } found)
        {
            return ApiError.NotFound($"Media Routing Domain {mrdNumber} does not exist", "mrdId", mrdId);
        }

        mrd = found;
        return null;
    }
}
