using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Http;
using MrdSimulator.Gateway.SystemInfo;

namespace MrdSimulator.Gateway.Security;

/// <summary>Marks endpoints that authenticate as a Finesse user.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class FinesseEndpointAttribute : Attribute;

/// <summary>
/// Runs before every Finesse endpoint (after routing, before binding): answers 503 while the simulated
/// Finesse is out of service, then authenticates the caller with HTTP Basic and makes them available as
/// a <see cref="FinesseCaller"/> parameter.
/// </summary>
public sealed class FinesseAuthMiddleware(RequestDelegate next, FinesseAuthenticator authenticator, ServiceStatus status)
{
    public Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<FinesseEndpointAttribute>() is null)
        {
            return next(context);
        }

        if (!status.InService && metadata.GetMetadata<AllowWhenOutOfServiceAttribute>() is null)
        {
            return FinesseResults.WriteErrorAsync(context, ApiError.ServiceUnavailable(status.Reason ?? "Finesse is OUT_OF_SERVICE"));
        }

        var outcome = authenticator.AuthenticateBasic(context.Request.Headers.Authorization.ToString(), out var user);
        if (outcome != AuthenticationOutcome.Success)
        {
            return FinesseResults.WriteErrorAsync(context, FinesseAuthenticator.ToError(outcome));
        }

        context.Features.Set(new FinesseCaller(user!));
        return next(context);
    }
}

public static class FinesseAuthExtensions
{
    public static TBuilder RequireFinesseUser<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FinesseEndpointAttribute());
}
