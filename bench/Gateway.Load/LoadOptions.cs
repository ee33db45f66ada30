using System.Globalization;

namespace Gateway.Load;

/// <summary>Command line of the load tool; every value has a default so the bare command reproduces the documented run.</summary>
public sealed record LoadOptions
{
    /// <summary>Measured requests per scenario and run.</summary>
    public int Requests { get; init; } = 3000;

    /// <summary>Concurrent connections and worker tasks.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>Requests per scenario before measuring (JIT tiering and PGO, pools); 600 was too few: the first run came out 2-3x slower than the second.</summary>
    public int Warmup { get; init; } = 2000;

    /// <summary>Direct and gateway alternate in blocks of this many requests (ABBA), so drift hits both sides.</summary>
    public int Block { get; init; } = 500;

    /// <summary>How many times the whole set of scenarios is measured; each run is reported.</summary>
    public int Runs { get; init; } = 2;

    /// <summary>Time cap per scenario and run; a scenario that hits it reports what it completed.</summary>
    public TimeSpan MaxScenarioTime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Published gateway directory; null: publish into bench/.out/gateway.</summary>
    public string? GatewayDir { get; init; }

    /// <summary>Published simulator directory; null: publish into bench/.out/simulator.</summary>
    public string? SimulatorDir { get; init; }

    /// <summary>Reuse bench/.out without publishing again.</summary>
    public bool NoPublish { get; init; }

    /// <summary>Do not touch bench/RESULTS.md (print only).</summary>
    public bool NoWrite { get; init; }

    /// <summary>Free text put in the RESULTS.md section title.</summary>
    public string? Label { get; init; }

    public static readonly string Usage = """
        Gateway.Load: added latency of the gateway versus the simulator called directly.
          --requests N        measured requests per scenario and run (3000)
          --concurrency N     connections and workers (32)
          --warmup N          unmeasured requests per scenario first (2000)
          --block N           ABBA block size for alternating direct and gateway (500)
          --runs N            repeat the whole measurement (2)
          --max-seconds N     time cap per scenario and run (120)
          --gateway DIR       published Gateway.Host directory (default: publish to bench/.out/gateway)
          --simulator DIR     published Gateway.Simulator directory (default: publish to bench/.out/simulator)
          --no-publish        reuse bench/.out as it is
          --no-write          print the report, leave bench/RESULTS.md alone
          --label TEXT        title suffix of the RESULTS.md section
        """;

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Count(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number >= {min}.");
            o = args[i] switch
            {
                "--requests" => o with { Requests = Count(1) },
                "--concurrency" => o with { Concurrency = Count(1) },
                "--warmup" => o with { Warmup = Count(0) },
                "--block" => o with { Block = Count(1) },
                "--runs" => o with { Runs = Count(1) },
                "--max-seconds" => o with { MaxScenarioTime = TimeSpan.FromSeconds(Count(1)) },
                "--gateway" => o with { GatewayDir = Path.GetFullPath(Next()) },
                "--simulator" => o with { SimulatorDir = Path.GetFullPath(Next()) },
                "--no-publish" => o with { NoPublish = true },
                "--no-write" => o with { NoWrite = true },
                "--label" => o with { Label = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        return o;
    }
}
