using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Domain.Errors;
using MrdSimulator.Gateway.Configuration;

namespace MrdSimulator.Gateway.Security;

public enum AuthenticationOutcome
{
    Success,
    Missing,
    Malformed,
    BadCredentials,
    LockedOut,
}

/// <summary>
/// HTTP Basic and SASL credentials against the directory, with Finesse's lockout: after
/// <see cref="SimulatorOptions.LockoutThreshold"/> consecutive bad passwords the user is refused for
/// <see cref="SimulatorOptions.LockoutDuration"/>, even with the right password. REST and XMPP share it.
/// </summary>
public sealed class FinesseAuthenticator(SimulatorDirectory directory, SimulatorOptions options, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider time)
{
    private readonly ConcurrentDictionary<string, FailureRecord> _failures = new(StringComparer.Ordinal);

    /// <summary>Checks an <c>Authorization</c> header value.</summary>
    public AuthenticationOutcome AuthenticateBasic(string? header, out User? user)
    {
        user = null;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticationOutcome.Missing;
        }

        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticationOutcome.Malformed;
        }

        var encoded = header.AsSpan(scheme.Length).Trim();
        if (encoded.Length > 1024)
        {
            return AuthenticationOutcome.Malformed;
        }

        Span<byte> bytes = stackalloc byte[768];
        if (!Convert.TryFromBase64Chars(encoded, bytes, out var written))
        {
            return AuthenticationOutcome.Malformed;
        }

        var decoded = bytes[..written];
        var colon = decoded.IndexOf((byte)':');
        if (colon <= 0)
        {
            return AuthenticationOutcome.Malformed;
        }

        string id;
        try
        {
            id = Strict.GetString(decoded[..colon]);
        }
        catch (DecoderFallbackException)
        {
            return AuthenticationOutcome.Malformed;
        }

        return Authenticate(id, decoded[(colon + 1)..], out user);
    }

    /// <summary>Checks a user id and UTF-8 password (SASL PLAIN or a decoded Basic header).</summary>
    public AuthenticationOutcome Authenticate(string userId, ReadOnlySpan<byte> password, out User? user)
    {
        user = directory.FindUser(userId);
        var now = time.GetUtcNow();
        if (_failures.TryGetValue(userId, out var record) && record.LockedUntil > now)
        {
            user = null;
            return AuthenticationOutcome.LockedOut;
        }

        if (user is not null && PasswordMatches(user.Password, password))
        {
            if (record is not null)
            {
                _failures.TryRemove(userId, out _);
            }

            return AuthenticationOutcome.Success;
        }

        user = null;
        RecordFailure(userId, now);
        return AuthenticationOutcome.BadCredentials;
    }

    /// <summary>Counts a failed attempt made outside <see cref="Authenticate"/> (a failed SCRAM proof).</summary>
    public void RecordFailure(string userId, DateTimeOffset? at = null)
    {
        // Only configured users are counted: guessing names must not grow this table.
        if (directory.FindUser(userId) is null)
        {
            return;
        }

        var now = at ?? time.GetUtcNow();
        _failures.AddOrUpdate(
            userId,
            static (_, a) => new FailureRecord(1, a.Count >= a.Threshold ? a.Now + a.Duration : DateTimeOffset.MinValue),
            static (_, old, a) =>
            {
                // A lock that has run out starts the count again.
                var count = old.LockedUntil != DateTimeOffset.MinValue && old.LockedUntil <= a.Now ? 1 : old.Count + 1;
                return new FailureRecord(count, count >= a.Threshold ? a.Now + a.Duration : DateTimeOffset.MinValue);
            },
            (Now: now, Count: 1, Threshold: options.LockoutThreshold, Duration: options.LockoutDuration));
    }

    /// <summary>True while the user is locked out.</summary>
    public bool IsLockedOut(string userId) =>
        _failures.TryGetValue(userId, out var record) && record.LockedUntil > time.GetUtcNow();

    /// <summary>Clears a success for SCRAM, where the password is checked outside this class.</summary>
    public void RecordSuccess(string userId) => _failures.TryRemove(userId, out _);

    public static ApiError ToError(AuthenticationOutcome outcome) => outcome switch
    {
        AuthenticationOutcome.Missing => ApiError.AuthorizationFailure("Authorization header is missing"),
        AuthenticationOutcome.Malformed => ApiError.AuthorizationFailure("Authorization header is not valid HTTP Basic credentials"),
        AuthenticationOutcome.LockedOut => ApiError.AuthorizationFailure("The account is locked after too many failed sign-in attempts"),
        _ => ApiError.AuthorizationFailure("Invalid user id or password"),
    };

    private static readonly UTF8Encoding Strict = new(false, true);

    private static bool PasswordMatches(string expected, ReadOnlySpan<byte> given)
    {
        var max = Encoding.UTF8.GetMaxByteCount(expected.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var n = Encoding.UTF8.GetBytes(expected, rented);
            return CryptographicOperations.FixedTimeEquals(rented.AsSpan(0, n), given);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private sealed record FailureRecord(int Count, DateTimeOffset LockedUntil);
}
