using StackExchange.Redis;

namespace MrdSimulator.Gateway.Configuration;

/// <summary>
/// Checks Redis before a cluster process starts, so that an unreachable or misconfigured Redis stops start-up with
/// one line naming the address, instead of Orleans' retries and stack traces.
/// </summary>
public static class ClusterPreflight
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when Redis answers a PING; otherwise what is wrong, for the user.</summary>
    public static async Task<string?> RedisProblemAsync(SimulatorOptions options)
    {
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(options.Redis!);
        }
        catch (ArgumentException ex)
        {
            return $"--redis '{options.Redis}' is not a Redis address: {ex.Message}";
        }

        configuration.AbortOnConnectFail = true;
        configuration.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
            await redis.GetDatabase().PingAsync();
            return null;
        }
        catch (RedisException ex)
        {
            return $"Redis at {options.Redis} {Reason(ex)}; start it or fix --redis";
        }
    }

    /// <summary>The client's own message advises code changes (abortConnect); the user needs what went wrong.</summary>
    private static string Reason(RedisException ex) => ex switch
    {
        RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } => "refused the credentials in --redis",
        RedisConnectionException { InnerException: { } inner } => $"is unreachable ({inner.Message.Split('\n', 2)[0].Trim()})",
        RedisConnectionException => $"is unreachable (nothing answered within {Timeout.TotalSeconds:0} s)",
        _ => $"answered with an error ({ex.Message.Split('\n', 2)[0].Trim()})",
    };
}
