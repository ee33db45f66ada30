using Gateway.Policy.BuiltIn;
using Gateway.Policy.Scripting;
using Gateway.Policy.Sessions;
using Gateway.Policy.Snapshots;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// A build reads the files, then versions the snapshot by their hashes. An editor saving in between must never give a
/// snapshot built from one content under the version of another: the reload after the save would see "same version" and
/// skip the new content (seen as a flaky catalogue-reload test before the builder checked the directory stayed put).
/// </summary>
public sealed class SnapshotConsistencyTests
{
    private static readonly IReadOnlyDictionary<string, string?> NoOverrides = new Dictionary<string, string?>();

    [Fact]
    public async Task EditsDuringBuilds_NeverGiveASnapshotWhoseVersionBelongsToOtherContent()
    {
        using var dir = PolicyDirectory.Create();
        using var reference = PolicyDirectory.Create(); // where a settled build of the same content is made, for comparison
        var profile = Path.Combine(dir.Root, "profiles", "default.yaml");
        var original = await File.ReadAllTextAsync(profile);
        const string Marker = "description: Catch-all profile;";
        Assert.Contains(Marker, original);
        // Every save is a new content (a counter in the description): a build that read one save and hashed another shows.
        string Edition(long n) => original.Replace(Marker, $"description: Catch-all profile (edition {n});", StringComparison.Ordinal);

        var builder = new PolicySnapshotBuilder(new ScriptRuleCompiler(), new BuiltInStepOptions { SessionStore = new InMemorySessionModelStore() });
        Assert.True(builder.Build(dir.Root, NoOverrides, DateTimeOffset.UtcNow).Succeeded); // compile the shipped rule once

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                // Atomic replace, as editors and ConfigMaps do, so every build sees one whole file.
                var tmp = profile + ".tmp";
                await File.WriteAllTextAsync(tmp, Edition(n));
                File.Move(tmp, profile, overwrite: true);
                // Mostly back to back, sometimes a pause: some builds must be able to settle.
                if (n % 8 == 0) await Task.Delay(30); else await Task.Yield();
            }
        });

        int built = 0, attempts = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        try
        {
            while ((attempts < 150 || built < 3) && DateTime.UtcNow < deadline)
            {
                attempts++;
                var result = builder.Build(dir.Root, NoOverrides, DateTimeOffset.UtcNow);
                if (!result.Succeeded) continue; // "kept changing while read": the last good version stays, also fine
                built++;
                var snapshot = result.Snapshot!;
                var edition = System.Text.RegularExpressions.Regex.Match(snapshot.Default.Config.Description ?? "", @"\(edition (\d+)\)");
                var settledProfile = edition.Success ? Edition(long.Parse(edition.Groups[1].Value)) : original;
                // The same content, built where nothing moves, must give the same version.
                await File.WriteAllTextAsync(Path.Combine(reference.Root, "profiles", "default.yaml"), settledProfile);
                var settled = builder.Build(reference.Root, NoOverrides, DateTimeOffset.UtcNow);
                Assert.True(settled.Succeeded);
                Assert.True(settled.Snapshot!.Version == snapshot.Version,
                    $"build {attempts}: snapshot holds '{edition.Value}' but carries the version of other content");
            }
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
        Assert.True(built > 0, $"no build settled in {attempts} attempts");
    }
}
