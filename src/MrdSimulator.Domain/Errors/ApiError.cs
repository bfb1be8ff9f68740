using System.Globalization;

namespace MrdSimulator.Domain.Errors;

/// <summary>One <c>ApiError</c>: what Finesse puts in an HTTP error body or an asynchronous error Update.</summary>
/// <param name="ErrorMedia">The MRD id, present on Media and Dialog-of-MRD errors only.</param>
public sealed record ApiError(int Status, string ErrorType, string ErrorMessage, string ErrorData, string? ErrorMedia = null)
{
    public static ApiError FromArm(ArmError error, int mrdId) =>
        new(400, error.ErrorType, error.Constant, error.Code.ToString(CultureInfo.InvariantCulture), mrdId.ToString(CultureInfo.InvariantCulture));

    public static ApiError BadRequest(string message, string data = "", string? media = null) => new(400, "Bad Request", message, data, media);

    public static ApiError InvalidInput(string field, string message, string? media = null) => new(400, "Invalid Input", message, field, media);

    public static ApiError ParameterMissing(string field, string? media = null) =>
        new(400, "Parameter Missing", $"The {field} parameter is required", field, media);

    public static ApiError AuthorizationFailure(string message) => new(401, "Authorization Failure", message, string.Empty);

    /// <summary>ErrorData carries the user id of the URI (Cisco's sample shows a user id there).</summary>
    public static ApiError InvalidAuthorizationUser(string uriUserId) =>
        new(401, "Invalid Authorization User Specified", "The user specified in the authentication credentials and the uri don't match", uriUserId);

    public static ApiError NotFound(string message, string data = "", string? media = null) => new(404, "Not Found", message, data, media);

    public static ApiError MethodNotAllowed(string method) => new(405, "Method Not Allowed", $"{method} is not supported on this resource", method);

    public static ApiError ServiceUnavailable(string message) => new(503, "Service Unavailable", message, string.Empty);
}
