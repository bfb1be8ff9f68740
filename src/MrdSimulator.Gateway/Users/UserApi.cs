using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Xml;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.Security;

namespace MrdSimulator.Gateway.Users;

/// <summary>User—Get (minimal), the user's reason codes (reference §9) and the reason-code configuration list.</summary>
public static class UserApi
{
    public static RouteGroupBuilder MapUserApi(this RouteGroupBuilder finesse)
    {
        finesse.MapGet("/User/{id}", (string id, FinesseCaller caller) =>
            caller.RequireSelf(id) is { } error ? FinesseResults.Error(error) : FinesseResults.Xml(SystemXml.User(caller.User)));
        finesse.MapMethodNotAllowed("/User/{id}", HttpMethods.Get);

        finesse.MapGet("/User/{id}/ReasonCodes", (string id, string? category, FinesseCaller caller, SimulatorDirectory directory) =>
        {
            if (caller.RequireSelf(id) is { } denied)
            {
                return FinesseResults.Error(denied);
            }

            if (ParseCategory(category, out var parsed) is { } error)
            {
                return FinesseResults.Error(error);
            }

            return FinesseResults.Xml(ReasonCodeXml.List(parsed, directory.ReasonCodesFor(caller.User, parsed)));
        });
        finesse.MapMethodNotAllowed("/User/{id}/ReasonCodes", HttpMethods.Get);

        finesse.MapGet("/User/{id}/ReasonCode/{reasonCodeId}", (string id, string reasonCodeId, FinesseCaller caller, SimulatorDirectory directory) =>
        {
            if (caller.RequireSelf(id) is { } error)
            {
                return FinesseResults.Error(error);
            }

            // A code that exists but is not global nor on the user's team is as absent to this user.
            return int.TryParse(reasonCodeId, NumberStyles.None, CultureInfo.InvariantCulture, out var rcId)
                && directory.FindReasonCode(rcId) is { } code && code.IsAllowedFor(caller.User)
                ? FinesseResults.Xml(ReasonCodeXml.Single(code))
                : FinesseResults.Error(ApiError.NotFound($"Reason code {reasonCodeId} does not exist for user {id}", reasonCodeId));
        });
        finesse.MapMethodNotAllowed("/User/{id}/ReasonCode/{reasonCodeId}", HttpMethods.Get);

        finesse.MapGet("/ReasonCodes", (string? category, SimulatorDirectory directory) =>
            ParseCategory(category, out var parsed) is { } error
                ? FinesseResults.Error(error)
                : FinesseResults.Xml(ReasonCodeXml.List(parsed, directory.ReasonCodes.Where(r => r.Category == parsed))));
        finesse.MapMethodNotAllowed("/ReasonCodes", HttpMethods.Get);
        return finesse;
    }

    private static ApiError? ParseCategory(string? category, out ReasonCodeCategory parsed)
    {
        if (string.IsNullOrEmpty(category))
        {
            parsed = default;
            return ApiError.ParameterMissing("category");
        }

        return ReasonCodeCategories.TryParse(category, out parsed)
            ? null
            : ApiError.InvalidInput("category", $"Invalid category '{category}'; expected NOT_READY or LOGOUT");
    }
}
