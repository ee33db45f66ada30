using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using Gateway.Micro;

// The fixtures are read from the repository; child benchmark processes inherit the root through the environment.
Environment.SetEnvironmentVariable(Fixtures.RootVariable, Fixtures.FindRoot());

// `--loop small|large SECONDS`: run the whole request path in a loop, for a profiler (dotnet-trace collect -- ...).
if (args is ["--loop", var size, ..])
{
    var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20;
    return await WholePathLoop.RunAsync(size, TimeSpan.FromSeconds(seconds));
}

var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithArtifactsPath(Path.Combine(Fixtures.FindRoot(), "bench", ".out", "micro"));
BenchmarkSwitcher.FromAssembly(typeof(Fixtures).Assembly).Run(args, config);
return 0;
