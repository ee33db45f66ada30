namespace Gateway.Host.Policies;

/// <summary>
/// Finds the policy directory: <c>POLICY_DIR</c> when set; else <c>policies/</c> next to the content root (a published
/// gateway, a container); else, for <c>dotnet run</c> in a checkout, the repository's <c>policies/</c> found by walking up from
/// the content root, so edits there hot-reload; else the copy shipped beside the binary.
/// </summary>
public static class PolicyDirectoryLocator
{
    public static string Locate(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        var beside = Path.Combine(contentRoot, "policies");
        if (Directory.Exists(Path.Combine(beside, "profiles"))) return beside;
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "policies");
            if (Directory.Exists(Path.Combine(candidate, "profiles")) && File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return candidate;
        }
        return Path.Combine(AppContext.BaseDirectory, "policies");
    }
}
