namespace Gateway.Policy.Configuration;

/// <summary>
/// What <see cref="PolicyYamlLoader.LoadDirectory"/> found: the resolved profiles, the files read (relative to the policy
/// directory, forward slashes: <c>profiles/*.yaml</c>, <c>profiles/*.yml</c> and every referenced <c>rules/*.csx</c>), and
/// every problem, sorted by file and position. Any error means the set must not be used.
/// </summary>
public sealed record PolicyLoadResult(IReadOnlyList<ProfileConfig> Profiles, IReadOnlyList<string> Files, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

/// <summary>One profile file parsed on its own (no <c>extends</c> resolution, no file checks): for tests and the CLI.</summary>
public sealed record ProfileParseResult(ProfileConfig? Profile, IReadOnlyList<PolicyDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
