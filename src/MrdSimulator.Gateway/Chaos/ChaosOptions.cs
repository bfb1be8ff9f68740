using System.Security.Cryptography;
using MrdSimulator.Domain.Chaos;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Chaos;

/// <summary>
/// Settings of the chaos layer (section <c>Chaos</c>; switches <c>--admin-token</c>, <c>--admin-allow-remote</c>, <c>--chaos-plan</c>,
/// <c>--chaos-seed</c>, <c>--chaos-drops-capacity</c>). The admin token and the remote switch govern every <c>/admin</c> route
/// (<see cref="Security.AdminAccess"/>), not only the chaos ones.
/// </summary>
public sealed record ChaosOptions
{
    /// <summary>The bearer token of every <c>/admin</c> route.</summary>
    public required string AdminToken { get; init; }

    /// <summary>True when the token was generated at start (and so is printed).</summary>
    public bool TokenGenerated { get; init; }

    /// <summary>Accept admin requests from non-loopback addresses.</summary>
    public bool AdminAllowRemote { get; init; }

    /// <summary>Plan started with the host (<c>--chaos-plan</c>), already parsed.</summary>
    public ChaosPlan? Plan { get; init; }

    /// <summary>Seed of admin-added faults without one; random (and shown by the admin API) when null.</summary>
    public ulong? Seed { get; init; }

    /// <summary>How many undelivered-Update records <c>/admin/chaos/drops</c> keeps (older ones are counted as overflowed).</summary>
    public int DropsCapacity { get; init; } = DefaultDropsCapacity;

    public const int MinTokenLength = 16;

    public const int DefaultDropsCapacity = 50_000;

    public static ChaosOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Chaos");
        // One admin token for every /admin route (AdminAccess). --admin-token maps to Tasks:AdminToken; Chaos:AdminToken
        // is the same setting under the chaos section. Two different values would leave one of them silently unused.
        var own = NullIfEmpty(section["AdminToken"]);
        var given = NullIfEmpty(configuration["Tasks:AdminToken"]);
        if (own is not null && given is not null && own != given)
        {
            throw new OptionsException("--admin-token", "Chaos:AdminToken and --admin-token (Tasks:AdminToken) differ; give the admin token once");
        }

        var token = own ?? given;
        var generated = token is null;
        if (generated)
        {
            token = Base64Url(RandomNumberGenerator.GetBytes(24));
        }
        else if (token!.Length < MinTokenLength)
        {
            throw new OptionsException("--admin-token", $"must be at least {MinTokenLength} characters");
        }

        configuration["Tasks:AdminToken"] = token;

        var allowRemote = section["AdminAllowRemote"] switch
        {
            null or "" or "false" or "False" => false,
            "true" or "True" => true,
            var other => throw new OptionsException("--admin-allow-remote", $"'{other}' is not true or false (write --admin-allow-remote true)"),
        };
        if (!allowRemote && TrailingSwitch("--admin-allow-remote"))
        {
            throw new OptionsException("--admin-allow-remote", "needs a value: --admin-allow-remote true");
        }

        ulong? seed = section["Seed"] is { Length: > 0 } s
            ? ulong.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new OptionsException("--chaos-seed", $"'{s}' is not a whole number")
            : null;
        var dropsCapacity = section["DropsCapacity"] is { Length: > 0 } c
            ? int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 100 and <= 10_000_000
                ? n
                : throw new OptionsException("--chaos-drops-capacity", $"'{c}' is not a whole number in 100..10000000")
            : DefaultDropsCapacity;
        var plan = section["PlanFile"] is { Length: > 0 } file ? ChaosPlanParser.LoadFile(file) : null;
        return new ChaosOptions { AdminToken = token, TokenGenerated = generated, AdminAllowRemote = allowRemote, Plan = plan, Seed = seed, DropsCapacity = dropsCapacity };
    }

    /// <summary>The command-line provider silently ignores a switch given last without a value.</summary>
    private static bool TrailingSwitch(string name)
    {
        var args = Environment.GetCommandLineArgs();
        return args.Length > 0 && args[^1] == name;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
