using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MrdSimulator.Domain.Directory;
using MrdSimulator.Gateway.Security;

// SCRAM-SHA-1 is defined on SHA-1 (RFC 5802); it is what XMPP clients implement.
#pragma warning disable CA5350

namespace MrdSimulator.Gateway.Xmpp;

/// <summary>The outcome of one SASL step.</summary>
internal readonly record struct SaslStep(SaslStatus Status, string? Data = null, string? Condition = null, User? User = null)
{
    public static SaslStep Fail(string condition) => new(SaslStatus.Failure, Condition: condition);
}

internal enum SaslStatus
{
    Challenge,
    Success,
    Failure,
}

/// <summary>
/// SASL PLAIN (RFC 4616) and SCRAM-SHA-1 (RFC 5802) against the directory. Directory passwords are plaintext,
/// so SCRAM's server data is derived from them: a random salt per user and 4096 iterations, computed once per
/// user and cached. Every failure counts toward the <see cref="FinesseAuthenticator"/> lockout shared with REST.
/// </summary>
internal sealed class SaslAuthenticator(SimulatorDirectory directory, FinesseAuthenticator authenticator, string domain)
{
    public const int Iterations = 4096;
    private readonly SimulatorDirectory _directory = directory;
    private readonly FinesseAuthenticator _authenticator = authenticator;
    private readonly ConcurrentDictionary<string, ScramKeys> _keys = new(StringComparer.Ordinal);

    public SaslStep Plain(byte[] message)
    {
        // [authzid] NUL authcid NUL passwd
        var first = Array.IndexOf(message, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(message, (byte)0, first + 1);
        if (first < 0 || second < 0)
        {
            return SaslStep.Fail("malformed-request");
        }

        string authzid;
        string authcid;
        try
        {
            authzid = Strict.GetString(message, 0, first);
            authcid = Strict.GetString(message, first + 1, second - first - 1);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Fail("malformed-request");
        }

        var userId = LocalPart(authcid);
        if (authzid.Length > 0 && !IsSelf(authzid, userId))
        {
            return SaslStep.Fail("invalid-authzid");
        }

        var outcome = _authenticator.Authenticate(userId, message.AsSpan(second + 1), out var user);
        return outcome switch
        {
            AuthenticationOutcome.Success => new SaslStep(SaslStatus.Success, User: user),
            AuthenticationOutcome.LockedOut => SaslStep.Fail("account-disabled"),
            _ => SaslStep.Fail("not-authorized"),
        };
    }

    public ScramExchange StartScram() => new(this);

    /// <summary>Strips <c>@domain</c> from a SASL user name when it is this server's domain.</summary>
    private string LocalPart(string name)
    {
        var at = name.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && string.Equals(name[(at + 1)..], domain, StringComparison.OrdinalIgnoreCase) ? name[..at] : name;
    }

    private bool IsSelf(string authzid, string userId) =>
        string.Equals(authzid, userId, StringComparison.Ordinal) ||
        string.Equals(authzid, userId + "@" + domain, StringComparison.OrdinalIgnoreCase);

    private ScramKeys? KeysFor(string userId)
    {
        if (_directory.FindUser(userId) is not { } user)
        {
            return null;
        }

        return _keys.GetOrAdd(userId, static (_, password) =>
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA1, 20);
            var clientKey = HMACSHA1.HashData(salted, "Client Key"u8);
            return new ScramKeys(salt, SHA1.HashData(clientKey), HMACSHA1.HashData(salted, "Server Key"u8));
        }, user.Password);
    }

    private static readonly UTF8Encoding Strict = new(false, true);

    private sealed record ScramKeys(byte[] Salt, byte[] StoredKey, byte[] ServerKey);

    /// <summary>One SCRAM-SHA-1 conversation: client-first → server-first → client-final → server-final.</summary>
    internal sealed class ScramExchange(SaslAuthenticator owner)
    {
        private string? _userId;
        private string? _gs2Header;
        private string? _clientFirstBare;
        private string? _serverFirst;
        private string? _nonce;
        private ScramKeys? _keys;

        public SaslStep Start(byte[] message)
        {
            string text;
            try
            {
                text = Strict.GetString(message);
            }
            catch (DecoderFallbackException)
            {
                return SaslStep.Fail("malformed-request");
            }

            // gs2-header = cbind-flag "," [authzid] ","; channel binding is not offered, so 'p=' is refused.
            var c1 = text.IndexOf(',', StringComparison.Ordinal);
            var c2 = c1 < 0 ? -1 : text.IndexOf(',', c1 + 1);
            if (c1 != 1 || c2 < 0 || text[0] is not ('n' or 'y'))
            {
                return SaslStep.Fail("malformed-request");
            }

            _gs2Header = text[..(c2 + 1)];
            _clientFirstBare = text[(c2 + 1)..];
            var fields = Fields(_clientFirstBare);
            if (!fields.TryGetValue('n', out var name) || !fields.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0)
            {
                return SaslStep.Fail("malformed-request");
            }

            _userId = owner.LocalPart(name.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal));
            var authzid = text[2..c2];
            if (authzid.Length > 0 && !(authzid.StartsWith("a=", StringComparison.Ordinal) && owner.IsSelf(authzid[2..], _userId)))
            {
                return SaslStep.Fail("invalid-authzid");
            }

            if (owner._authenticator.IsLockedOut(_userId))
            {
                return SaslStep.Fail("account-disabled");
            }

            _keys = owner.KeysFor(_userId);

            // Unknown users get a believable salt so the exchange does not reveal which names exist.
            var salt = _keys?.Salt ?? HMACSHA1.HashData(FakeSaltKey, Encoding.UTF8.GetBytes(_userId))[..16];
            _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={Iterations}";
            return new SaslStep(SaslStatus.Challenge, _serverFirst);
        }

        public SaslStep Finish(byte[] message)
        {
            if (_serverFirst is null)
            {
                return SaslStep.Fail("malformed-request");
            }

            string text;
            try
            {
                text = Strict.GetString(message);
            }
            catch (DecoderFallbackException)
            {
                return SaslStep.Fail("malformed-request");
            }

            var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
            if (proofAt < 0)
            {
                return SaslStep.Fail("malformed-request");
            }

            var withoutProof = text[..proofAt];
            var fields = Fields(withoutProof);
            byte[] proof;
            try
            {
                proof = Convert.FromBase64String(text[(proofAt + 3)..]);
            }
            catch (FormatException)
            {
                return SaslStep.Fail("incorrect-encoding");
            }

            if (!fields.TryGetValue('c', out var binding) || !fields.TryGetValue('r', out var nonce) ||
                nonce != _nonce || binding != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header!)) || proof.Length != 20)
            {
                return SaslStep.Fail("malformed-request");
            }

            if (_keys is null)
            {
                return SaslStep.Fail("not-authorized");
            }

            var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
            var signature = HMACSHA1.HashData(_keys.StoredKey, authMessage);
            var clientKey = new byte[20];
            for (var i = 0; i < 20; i++)
            {
                clientKey[i] = (byte)(proof[i] ^ signature[i]);
            }

            if (!CryptographicOperations.FixedTimeEquals(SHA1.HashData(clientKey), _keys.StoredKey))
            {
                owner._authenticator.RecordFailure(_userId!);
                return SaslStep.Fail("not-authorized");
            }

            // A lock may have started (through REST) while this exchange ran.
            if (owner._authenticator.IsLockedOut(_userId!))
            {
                return SaslStep.Fail("account-disabled");
            }

            owner._authenticator.RecordSuccess(_userId!);
            var serverSignature = HMACSHA1.HashData(_keys.ServerKey, authMessage);
            return new SaslStep(SaslStatus.Success, "v=" + Convert.ToBase64String(serverSignature), User: owner._directory.FindUser(_userId!));
        }

        private static Dictionary<char, string> Fields(string text)
        {
            var result = new Dictionary<char, string>();
            foreach (var part in text.Split(','))
            {
                if (part.Length >= 2 && part[1] == '=')
                {
                    result.TryAdd(part[0], part[2..]);
                }
            }

            return result;
        }

        private static readonly byte[] FakeSaltKey = RandomNumberGenerator.GetBytes(32);
    }
}
