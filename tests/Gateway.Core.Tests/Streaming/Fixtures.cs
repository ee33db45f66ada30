using System.Runtime.CompilerServices;

namespace Gateway.Core.Tests.Streaming;

/// <summary>Fixture files: read from the test output (copied by the csproj); goldens are rewritten in the source tree when GW_UPDATE_GOLDEN=1.</summary>
internal static class Fixtures
{
    public static string OutputDir => Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static byte[] Bytes(string relativePath) => File.ReadAllBytes(Path.Combine(OutputDir, relativePath));

    public static string Text(string relativePath) => File.ReadAllText(Path.Combine(OutputDir, relativePath));

    public static bool UpdateGolden => Environment.GetEnvironmentVariable("GW_UPDATE_GOLDEN") == "1";

    /// <summary>Compares with a golden file, or (GW_UPDATE_GOLDEN=1) rewrites it in the source tree.</summary>
    public static void AssertGolden(string relativePath, string actual)
    {
        if (UpdateGolden)
        {
            var source = Path.Combine(SourceFixturesDir(), relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }
        Assert.Equal(Text(relativePath).ReplaceLineEndings("\n"), actual);
    }

    private static string SourceFixturesDir([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "fixtures"));
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public static readonly FixedTimeProvider Default = new(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
    public override DateTimeOffset GetUtcNow() => now;
}
