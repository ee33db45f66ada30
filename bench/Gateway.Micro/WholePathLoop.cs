using System.Diagnostics;

namespace Gateway.Micro;

/// <summary>The whole request path of <see cref="RequestBenchmarks"/> in a plain loop: something for dotnet-trace to sample.</summary>
public static class WholePathLoop
{
    public static async Task<int> RunAsync(string size, TimeSpan duration)
    {
        var bench = new RequestBenchmarks { Size = size };
        bench.Setup();
        var watch = Stopwatch.StartNew();
        var n = 0;
        while (watch.Elapsed < duration)
        {
            await bench.WholeRequestPath();
            n++;
        }
        Console.WriteLine($"{n} whole request paths ({size}) in {watch.Elapsed.TotalSeconds:0.0} s: {watch.Elapsed.TotalMilliseconds * 1000 / n:0.0} us each");
        return 0;
    }
}
