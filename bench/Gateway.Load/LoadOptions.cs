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

    /// <summary><c>simulator</c>: gateway versus the simulator called directly; <c>canned</c>: gateway versus a plain nginx hop, both in front of a canned nginx upstream.</summary>
    public string Mode { get; init; } = "simulator";

    /// <summary>Canned mode: the phases to run (all by default).</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(Phases, StringComparer.Ordinal);

    /// <summary>The phases of canned mode, in the order they run.</summary>
    public static readonly IReadOnlyList<string> Phases = ["throughput", "fixed-rate", "ttfb", "memory"];

    /// <summary>Fixed-rate phase: requests per second, measured seconds per side and mode, unmeasured seconds first, client connections.</summary>
    public int Rate { get; init; } = 1000;
    public int RateSeconds { get; init; } = 10;
    public int RateWarmupSeconds { get; init; } = 2;
    public int RateConnections { get; init; } = 256;

    /// <summary>TTFB phase: stream requests per side on one connection.</summary>
    public int TtfbRequests { get; init; } = 300;

    /// <summary>Memory phase: concurrent slow streams, how long each lasts, settle time before the idle reading.</summary>
    public int Streams { get; init; } = 1000;
    public int StreamSeconds { get; init; } = 20;
    public int SettleSeconds { get; init; } = 5;

    /// <summary>The nginx binary and its worker count (the hop and the canned upstream each).</summary>
    public string Nginx { get; init; } = "/usr/sbin/nginx";
    public int NginxWorkers { get; init; } = Environment.ProcessorCount;

    public static readonly string Usage = """
        Gateway.Load: added latency of the gateway versus the simulator called directly, or (--mode canned) versus a plain nginx hop.
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
          --mode simulator|canned
                              simulator (default): gateway versus the simulator called directly (the options above);
                              canned: gateway versus a plain nginx proxy hop, both in front of a canned nginx upstream
        canned mode only:
          --only LIST         phases, comma-separated: throughput,fixed-rate,ttfb,memory (all)
          --rate N            fixed-rate phase: requests per second (1000)
          --rate-seconds N    measured seconds per side and mode, in four blocks each, ABBA ABBA (10)
          --rate-warmup-seconds N  unmeasured seconds at the rate first, per side and mode (2)
          --rate-connections N     client connections for the fixed-rate phase (256)
          --ttfb-requests N   TTFB phase: stream requests per side on one connection (300)
          --streams N         memory phase: concurrent slow streams (1000)
          --stream-seconds N  how long each slow stream lasts (20)
          --settle-seconds N  idle time before the idle RSS reading (5)
          --nginx PATH        nginx binary (/usr/sbin/nginx)
          --nginx-workers N   worker_processes of the hop and of the canned upstream (nproc)
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
                "--mode" => o with { Mode = Next() switch { "simulator" => "simulator", "canned" => "canned", _ => throw new ArgumentException("--mode is simulator or canned.") } },
                "--only" => o with { Only = OnlyPhases(Next()) },
                "--rate" => o with { Rate = Count(1) },
                "--rate-seconds" => o with { RateSeconds = Count(4) },
                "--rate-warmup-seconds" => o with { RateWarmupSeconds = Count(0) },
                "--rate-connections" => o with { RateConnections = Count(1) },
                "--ttfb-requests" => o with { TtfbRequests = Count(1) },
                "--streams" => o with { Streams = Count(1) },
                "--stream-seconds" => o with { StreamSeconds = Count(5) },
                "--settle-seconds" => o with { SettleSeconds = Count(0) },
                "--nginx" => o with { Nginx = Path.GetFullPath(Next()) },
                "--nginx-workers" => o with { NginxWorkers = Count(1) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        return o;
    }

    private static HashSet<string> OnlyPhases(string list)
    {
        var set = new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
        if (set.Count == 0 || !set.IsSubsetOf(Phases)) throw new ArgumentException($"--only takes a comma-separated list of: {string.Join(',', Phases)}.");
        return set;
    }
}
