using System.Security.Cryptography;

namespace Gateway.Policy.Reload;

/// <summary>
/// A hash of every file under the policy directory (names and contents), following symlinks. Comparing fingerprints is
/// how the watcher notices changes its file events missed: network and container file systems, and Kubernetes ConfigMap
/// updates, which swap a <c>..data</c> symlink instead of writing the files.
/// </summary>
public static class PolicyDirectoryFingerprint
{
    public static string Compute(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = new List<string>();
        Collect(directory, "", files, depth: 0);
        files.Sort(StringComparer.Ordinal);
        foreach (var relative in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(relative + "\0"));
            try
            {
                hash.AppendData(File.ReadAllBytes(Path.Combine(directory, relative)));
            }
            catch (IOException)
            {
                hash.AppendData("<unreadable>"u8); // mid-swap: the next poll sees the settled state
            }
            catch (UnauthorizedAccessException)
            {
                hash.AppendData("<denied>"u8);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Collect(string root, string relative, List<string> files, int depth)
    {
        if (depth > 8) return; // symlink loops
        var here = Path.Combine(root, relative);
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(here);
        }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }

        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            // ConfigMap internals (..data, ..2026_11_26...) are reached through the visible symlinks; counting them too would double every file.
            if (name.StartsWith("..", StringComparison.Ordinal)) continue;
            var child = relative.Length == 0 ? name : Path.Combine(relative, name);
            if (Directory.Exists(entry)) Collect(root, child, files, depth + 1); // follows directory symlinks
            else if (File.Exists(entry)) files.Add(child);
        }
    }
}
