using System.Security.Cryptography;
using System.Text;

namespace Gateway.Simulator;

/// <summary>
/// Signs thinking blocks so a later request can prove it sent back an unmodified block produced for the
/// same model: HMAC-SHA256 over model id and thinking text with a per-process key. The real API's
/// signatures are opaque too; tests only need "ours verifies, anything else does not".
/// </summary>
internal sealed class ThinkingSigner
{
    /// <summary>One key per process, so two in-process simulators accept each other's blocks.</summary>
    private static readonly byte[] ProcessKey = RandomNumberGenerator.GetBytes(32);

    public string Sign(string modelId, string thinking) => Convert.ToBase64String(Mac(modelId, thinking));

    public bool Verify(string modelId, string thinking, string signature)
    {
        Span<byte> given = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signature, given, out var n) || n != 32) return false;
        return CryptographicOperations.FixedTimeEquals(given[..n], Mac(modelId, thinking));
    }

    private static byte[] Mac(string modelId, string thinking) =>
        HMACSHA256.HashData(ProcessKey, Encoding.UTF8.GetBytes(modelId + "\n" + thinking));
}
