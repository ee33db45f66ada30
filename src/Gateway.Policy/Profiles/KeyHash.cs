using System.Security.Cryptography;
using System.Text;

namespace Gateway.Policy.Profiles;

/// <summary>Gateway keys are bound to profiles by digest, never stored in YAML: <c>printf %s KEY | sha256sum</c> gives the same value.</summary>
public static class KeyHash
{
    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Sha256Hex(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
