using System.Security.Cryptography;
using System.Text;

namespace Gateway.Host.Security;

/// <summary>
/// The accepted gateway API keys, held only as SHA-256 digests. Comparison hashes the presented key and compares
/// fixed-length digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither content nor length leaks through timing.
/// </summary>
public sealed class GatewayKeySet
{
    private readonly byte[][] _digests;

    public GatewayKeySet(IEnumerable<string> keys) =>
        _digests = keys.Where(k => k.Length > 0).Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    public bool IsEmpty => _digests.Length == 0;

    /// <summary>
    /// True when <paramref name="presented"/> is one of the keys, with its SHA-256 (hex; what policy profiles bind keys by)
    /// and a short non-secret key id for logs (the first 12 hex chars).
    /// </summary>
    public bool TryMatch(string presented, out string keySha256, out string keyId)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var matched = false;
        foreach (var candidate in _digests)
            matched |= CryptographicOperations.FixedTimeEquals(candidate, digest); // no early exit: every key is compared
        keySha256 = matched ? Convert.ToHexStringLower(digest) : "";
        keyId = matched ? keySha256[..12] : "";
        return matched;
    }

    /// <summary>Constant-time equality of two secrets of any length.</summary>
    public static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
