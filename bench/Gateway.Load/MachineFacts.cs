using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gateway.Load;

/// <summary>What the numbers were measured on: they mean little without it.</summary>
public sealed record MachineFacts(int Cpus, string CpuModel, double MemoryGiB, string Os, string Runtime, string Commit, string LoadAverage)
{
    public static MachineFacts Collect(string repo) => new(
        Environment.ProcessorCount,
        ProcLine("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        (ProcLine("/proc/meminfo", "MemTotal") is { } mem && long.TryParse(mem.Split(' ')[0], out var kb) ? kb : 0) / 1024.0 / 1024.0,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GitCommit(repo),
        // Other work on the machine (parallel builds) shows here: the load average before the tool started measuring.
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown");

    public override string ToString() =>
        $"{Cpus} CPUs (`nproc`), {CpuModel}, {MemoryGiB:0.0} GiB RAM, {Os}, {Runtime}, commit {Commit}, load average at start {LoadAverage}";

    private static string? ProcLine(string file, string key)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return null; }
    }

    private static string GitCommit(string repo)
    {
        var head = Git(repo, "rev-parse --short HEAD");
        if (head is null) return "unknown";
        var dirty = Git(repo, "status --porcelain -- src");
        return string.IsNullOrWhiteSpace(dirty) ? head : head + " + uncommitted changes in src/";
    }

    private static string? Git(string repo, string args)
    {
        try
        {
            var psi = new ProcessStartInfo("git", $"-C \"{repo}\" {args}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
