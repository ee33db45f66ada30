using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// A throw-away policy directory: the shipped <c>policies/</c> copied to a temp dir, optionally with an overlay from
/// <c>tests/fixtures/policies/host/</c> copied over it. Tests edit it freely; it is deleted on dispose.
/// </summary>
public sealed class PolicyDirectory : IDisposable
{
    private PolicyDirectory(string root) => Root = root;

    /// <summary>The directory a gateway gets as <c>POLICY_DIR</c>.</summary>
    public string Root { get; }

    /// <summary>The repository root (the folder holding Gateway.sln), found by walking up from the test assembly.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ShippedPolicies => Path.Combine(RepoRoot, "policies");

    public static string Fixture(string relative) => Path.Combine(RepoRoot, "tests", "fixtures", "policies", "host", relative);

    /// <summary>The shipped policies, then each overlay (a directory under tests/fixtures/policies/host) copied over them.</summary>
    public static PolicyDirectory Create(params string[] overlays)
    {
        var root = NewTempDir();
        CopyTree(ShippedPolicies, root);
        foreach (var overlay in overlays) CopyTree(Fixture(overlay), root);
        return new PolicyDirectory(root);
    }

    /// <summary>
    /// A Kubernetes ConfigMap volume: the files live in <c>..2026_a/</c>, <c>..data</c> links to it, and each visible entry
    /// (<c>profiles</c>, <c>rules</c>, <c>models.yaml</c>) links into <c>..data/</c>. <see cref="SwapConfigMap"/> updates it as the kubelet does.
    /// </summary>
    public static PolicyDirectory CreateConfigMap(out string firstVersionDir)
    {
        var root = NewTempDir();
        firstVersionDir = "..2026_a";
        var data = Path.Combine(root, firstVersionDir);
        foreach (var entry in ConfigMapEntries) CopyEntry(Path.Combine(ShippedPolicies, entry), Path.Combine(data, entry));
        Directory.CreateSymbolicLink(Path.Combine(root, "..data"), firstVersionDir);
        foreach (var entry in ConfigMapEntries) File.CreateSymbolicLink(Path.Combine(root, entry), Path.Combine("..data", entry));
        return new PolicyDirectory(root);
    }

    private static readonly string[] ConfigMapEntries = ["profiles", "rules", "models.yaml"];

    /// <summary>
    /// The kubelet's update: write the new content to a fresh <paramref name="newVersionDir"/> (a copy of the current one,
    /// edited by <paramref name="edit"/>), point a temporary symlink at it, rename that over <c>..data</c> (atomic), delete the old dir.
    /// </summary>
    public void SwapConfigMap(string oldVersionDir, string newVersionDir, Action<string> edit)
    {
        var fresh = Path.Combine(Root, newVersionDir);
        CopyTree(Path.Combine(Root, oldVersionDir), fresh);
        edit(fresh);
        var tmp = Path.Combine(Root, "..data_tmp");
        Directory.CreateSymbolicLink(tmp, newVersionDir);
        if (rename(tmp, Path.Combine(Root, "..data")) != 0)
            throw new IOException($"rename(..data_tmp, ..data) failed: errno {Marshal.GetLastPInvokeError()}");
        Directory.Delete(Path.Combine(Root, oldVersionDir), recursive: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int rename(string oldpath, string newpath);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Writes a file the way an editor saving in place does (truncate and write).</summary>
    public void Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Replaces <paramref name="find"/> (which must occur) in a file.</summary>
    public void Edit(string relative, string find, string replace)
    {
        var text = Read(relative);
        if (!text.Contains(find, StringComparison.Ordinal)) throw new InvalidOperationException($"'{find}' not in {relative}");
        Write(relative, text.Replace(find, replace, StringComparison.Ordinal));
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string NewTempDir()
    {
        var root = Path.Combine(Path.GetTempPath(), "gw-policy-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        return root;
    }

    private static void CopyEntry(string source, string target)
    {
        if (Directory.Exists(source)) CopyTree(source, target);
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
        }
    }

    private static void CopyTree(string source, string target)
    {
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException(source);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest, overwrite: true);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        // Artifacts output (GW_ARTIFACTS) lives outside the checkout: fall back to the source tree this file was built from.
        for (var dir = new DirectoryInfo(SourceDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return dir.FullName;
        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
