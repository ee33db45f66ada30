using System.Diagnostics;

namespace Gateway.Load;

/// <summary>The <c>dotnet</c> muxer: the one that runs this tool when known (DOTNET_HOST_PATH), else the one on PATH.</summary>
public static class DotnetHost
{
    public static string Path => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } p && File.Exists(p) ? p : "dotnet";

    /// <summary>
    /// <c>dotnet publish -c Release</c> of one project into <paramref name="output"/>. GW_ARTIFACTS, when set, is inherited,
    /// so the build's obj/ stays out of the shared tree.
    /// </summary>
    public static async Task PublishAsync(string project, string output, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo", "-v", "q", "-clp:ErrorsOnly" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Cannot start dotnet publish.");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish {project} failed ({p.ExitCode}):\n{await stdout}{await stderr}");
    }
}
