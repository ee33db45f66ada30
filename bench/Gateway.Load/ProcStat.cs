using System.Globalization;

namespace Gateway.Load;

/// <summary>A process the tool measures from outside: CPU time used so far and resident memory, read from /proc.</summary>
public interface IMeasuredProcess
{
    string Name { get; }

    /// <summary>User + system CPU time used so far (for nginx: master and workers together).</summary>
    TimeSpan CpuTime();

    /// <summary>VmRSS and VmHWM in kB (for nginx: summed over master and workers), or null once it has exited.</summary>
    (long RssKb, long PeakKb)? Memory();
}

/// <summary>/proc readers shared by the .NET servers and nginx (Linux only; zero or null elsewhere).</summary>
public static class ProcStat
{
    /// <summary>utime + stime of one process (/proc/PID/stat, clock ticks of 10 ms).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (IOException) { return TimeSpan.Zero; }
    }

    /// <summary>VmRSS, VmHWM (kB) and thread count from /proc/PID/status, or null after exit.</summary>
    public static (long RssKb, long PeakKb, int Threads)? Status(int pid)
    {
        try
        {
            long rss = 0, hwm = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Number(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Number(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Number(line);
            }
            return (rss, hwm, threads);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Direct children of <paramref name="pid"/> (/proc/PID/task/*/children; nginx workers of their master).</summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var list = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var path = Path.Combine(task, "children");
                if (!File.Exists(path)) continue;
                foreach (var c in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var child)) list.Add(child);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return list;
    }

    private static long Number(string line) => long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
