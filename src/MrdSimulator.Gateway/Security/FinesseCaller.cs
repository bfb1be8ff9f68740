using System.Reflection;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Gateway.Security;

/// <summary>The authenticated user of a Finesse request; bound into handlers as a parameter.</summary>
public sealed class FinesseCaller(User user)
{
    public User User { get; } = user;

    public static ValueTask<FinesseCaller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<FinesseCaller?>(context.Features.Get<FinesseCaller>()
            ?? throw new InvalidOperationException("The Finesse authentication filter did not run for this endpoint"));

    /// <summary>Users act only on their own objects (G125-168): anything else is 401 Invalid Authorization User Specified.</summary>
    public ApiError? RequireSelf(string uriUserId) =>
        string.Equals(uriUserId, User.Id, StringComparison.Ordinal) ? null : ApiError.InvalidAuthorizationUser(uriUserId);
}
