using System.Globalization;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Domain.Xml;

namespace MrdSimulator.Domain.Media;

/// <summary>
/// Finesse's synchronous validation of a Media PUT: the XML, the enums and numbers, the parameters each
/// state requires, and the reason code. Anything refused here never reaches the grain.
/// </summary>
public static class MediaRequestParser
{
    public static (MediaRequest? Request, ApiError? Error) Parse(ReadOnlyMemory<byte> body, int mrdId)
    {
        var media = mrdId.ToString(CultureInfo.InvariantCulture);
        AgentState? state = null;
        int? maxDialogLimit = null, reasonCodeId = null;
        InterruptAction? interrupt = null;
        DialogLogoutAction? logout = null;
        bool? routable = null;

        var error = RequestXml.ReadFlat(body, "Media", media, (name, text) =>
        {
            switch (name)
            {
                case "state":
                    if (text.Length == 0)
                    {
                        return ApiError.ParameterMissing("state", media);
                    }

                    if (!MediaEnums.TryParseRequestable(text, out var s))
                    {
                        return ApiError.InvalidInput("state", $"Invalid state '{text}'; expected LOGIN, READY, NOT_READY or LOGOUT", media);
                    }

                    state = s;
                    return null;
                case "maxDialogLimit":
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit is < 1 or > 10)
                    {
                        return ApiError.InvalidInput("maxDialogLimit", $"Invalid maxDialogLimit '{text}'; expected a whole number from 1 to 10", media);
                    }

                    maxDialogLimit = limit;
                    return null;
                case "interruptAction":
                    if (!MediaEnums.TryParse(text, out InterruptAction i))
                    {
                        return ApiError.InvalidInput("interruptAction", $"Invalid interruptAction '{text}'; expected ACCEPT or IGNORE", media);
                    }

                    interrupt = i;
                    return null;
                case "dialogLogoutAction":
                    if (!MediaEnums.TryParse(text, out DialogLogoutAction d))
                    {
                        return ApiError.InvalidInput("dialogLogoutAction", $"Invalid dialogLogoutAction '{text}'; expected CLOSE or TRANSFER", media);
                    }

                    logout = d;
                    return null;
                case "reasonCodeId":
                    if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rc) || (rc < 1 && rc != -1))
                    {
                        return ApiError.InvalidInput("reasonCodeId", $"Invalid reasonCodeId '{text}'", media);
                    }

                    reasonCodeId = rc == -1 ? null : rc;
                    return null;
                case "routable":
                    if (text is not ("true" or "false"))
                    {
                        return ApiError.InvalidInput("routable", $"Invalid routable '{text}'; expected true or false", media);
                    }

                    routable = text == "true";
                    return null;
                default:
                    return ApiError.InvalidInput(name, $"Unknown element '{name}' in Media", media);
            }
        });
        return error is null ? (new MediaRequest(state, maxDialogLimit, interrupt, logout, reasonCodeId, routable), null) : (null, error);
    }

    /// <summary>Checks what each state requires and the reason code against the directory.</summary>
    public static ApiError? Validate(MediaRequest request, User user, int mrdId, SimulatorDirectory directory)
    {
        var media = mrdId.ToString(CultureInfo.InvariantCulture);
        if (request.Routable is not null)
        {
            return request.State is null && request.ReasonCodeId is null && !HasLoginOptions(request)
                ? null
                : ApiError.InvalidInput("routable", "routable must be sent on its own, without state or other elements", media);
        }

        if (request.State is not { } state)
        {
            return ApiError.ParameterMissing("state", media);
        }

        if (state == AgentState.Login)
        {
            return request.MaxDialogLimit is null ? ApiError.ParameterMissing("maxDialogLimit", media)
                : request.InterruptAction is null ? ApiError.ParameterMissing("interruptAction", media)
                : request.ReasonCodeId is not null ? ApiError.InvalidInput("reasonCodeId", "reasonCodeId is only accepted with NOT_READY or LOGOUT", media)
                : null;
        }

        if (HasLoginOptions(request))
        {
            return ApiError.InvalidInput("state", "maxDialogLimit, interruptAction and dialogLogoutAction are only accepted with state LOGIN", media);
        }

        if (state == AgentState.Ready)
        {
            return request.ReasonCodeId is null ? null : ApiError.InvalidInput("reasonCodeId", "reasonCodeId is only accepted with NOT_READY or LOGOUT", media);
        }

        var category = state == AgentState.NotReady ? ReasonCodeCategory.NotReady : ReasonCodeCategory.Logout;
        if (request.ReasonCodeId is not { } id)
        {
            return directory.HasReasonCodesFor(user, category) ? ApiError.ParameterMissing("reasonCodeId", media) : null;
        }

        var code = directory.FindReasonCode(id);
        return code is null || code.Category != category || !code.IsAllowedFor(user)
            ? ApiError.InvalidInput("reasonCodeId", $"Reason code {id} is not a {category.ToWire()} reason code available to user {user.Id}", media)
            : null;
    }

    private static bool HasLoginOptions(MediaRequest r) => r.MaxDialogLimit is not null || r.InterruptAction is not null || r.DialogLogoutAction is not null;
}
