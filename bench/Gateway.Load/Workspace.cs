namespace Gateway.Load;

/// <summary>Where the repository is and where the tool keeps its builds and logs (bench/.out, git-ignored).</summary>
public sealed record Workspace(string Root)
{
    public string Bench => Path.Combine(Root, "bench");
    public string Out => Path.Combine(Bench, ".out");
    public string Results => Path.Combine(Bench, "RESULTS.md");

    /// <summary>Walks up from the working directory, then from the binary, to the folder holding Gateway.sln.</summary>
    public static Workspace Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln"))) return new Workspace(dir.FullName);
        }
        throw new InvalidOperationException("Cannot find Gateway.sln above the working directory: run from the repository.");
    }
}
