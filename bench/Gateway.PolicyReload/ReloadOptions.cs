using System.Globalization;

namespace Gateway.PolicyReload;

/// <summary>Command-line options (bench/README.md).</summary>
public sealed record ReloadOptions
{
    public int Reloads { get; init; } = 100;
    public int MemoryReloads { get; init; } = 1000;
    public int Clients { get; init; } = 12;
    public int MemoryClients { get; init; } = 2;
    public int PollMs { get; init; } = 200;
    public bool InProcess { get; init; } = true;
    public int MaxMinutes { get; init; } = 20;
    public string? GatewayDir { get; init; }
    public string? SimulatorDir { get; init; }
    public bool NoPublish { get; init; }
    public bool NoWrite { get; init; }
    public string Label { get; init; } = "";
    public int HoldSeconds { get; init; }

    public const string Usage =
        "usage: dotnet run -c Release --project bench/Gateway.PolicyReload -- [--reloads N (100, even)] [--memory-reloads N (1000, >= 100)]\n" +
        "       [--clients N (12)] [--memory-clients N (2)] [--poll-ms N (200)] [--no-in-process] [--max-minutes N (20)]\n" +
        "       [--gateway DIR] [--simulator DIR] [--no-publish] [--no-write] [--label TEXT] [--hold SECONDS (keep the servers up after phase 2, to inspect them)]";

    public static ReloadOptions Parse(string[] args)
    {
        var o = new ReloadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n : throw new ArgumentException($"{args[i]} takes a whole number >= {min}");
            o = args[i] switch
            {
                "--reloads" => o with { Reloads = Int(2) },
                "--memory-reloads" => o with { MemoryReloads = Int(100) },
                "--clients" => o with { Clients = Int(1) },
                "--memory-clients" => o with { MemoryClients = Int(0) },
                "--poll-ms" => o with { PollMs = Int(100) },
                "--no-in-process" => o with { InProcess = false },
                "--max-minutes" => o with { MaxMinutes = Int(1) },
                "--gateway" => o with { GatewayDir = Path.GetFullPath(Next()) },
                "--simulator" => o with { SimulatorDir = Path.GetFullPath(Next()) },
                "--no-publish" => o with { NoPublish = true },
                "--no-write" => o with { NoWrite = true },
                "--label" => o with { Label = Next() },
                "--hold" => o with { HoldSeconds = Int(0) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (o.Reloads % 2 != 0) throw new ArgumentException("--reloads must be even (valid and broken edits alternate)");
        return o;
    }
}
