using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Gateway.Http;

/// <summary>Marks an endpoint that still answers while the simulated Finesse is OUT_OF_SERVICE (SystemInfo).</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AllowWhenOutOfServiceAttribute : Attribute;

public static class EndpointConventions
{
    private static readonly string[] AllMethods =
        [HttpMethods.Get, HttpMethods.Put, HttpMethods.Post, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Options];

    public static TBuilder AllowWhenOutOfService<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowWhenOutOfServiceAttribute());

    /// <summary>Answers the methods Finesse does not allow on <paramref name="pattern"/> with 405 and an ApiErrors body.</summary>
    public static RouteGroupBuilder MapMethodNotAllowed(this RouteGroupBuilder group, string pattern, params string[] allowed)
    {
        var others = AllMethods.Where(m => !allowed.Contains(m, StringComparer.OrdinalIgnoreCase)).ToArray();
        group.MapMethods(pattern, others, (HttpContext context) =>
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return FinesseResults.Error(ApiError.MethodNotAllowed(context.Request.Method));
        });
        return group;
    }
}
