using System.Text;

namespace Gateway.Core.Tests.Streaming;

/// <summary>The output must not depend on how the upstream bytes were cut into reads (mid-line, mid-CRLF, mid-UTF-8).</summary>
public sealed class StreamSplittingTests
{
    [Theory]
    [MemberData(nameof(StreamCases.Names), MemberType = typeof(StreamCases))]
    public async Task Translate_SplitAtEveryByteOffset_SameOutput(string name)
    {
        var (fixture, shaping) = StreamCases.All[name];
        var data = Fixtures.Bytes("streams/" + fixture);
        var (expected, _) = await StreamRun.RunAsync(new MemoryStream(data), shaping);
        for (var offset = 1; offset < data.Length; offset++)
        {
            var (actual, _) = await StreamRun.RunAsync(ChunkedStream.SplitAt(data, offset), shaping);
            if (actual != expected) Assert.Fail($"{name}: output differs when split at byte {offset}");
        }
    }

    [Theory]
    [MemberData(nameof(StreamCases.Names), MemberType = typeof(StreamCases))]
    public async Task Translate_OneByteReadsAndRandomSplits_SameOutput(string name)
    {
        var (fixture, shaping) = StreamCases.All[name];
        var data = Fixtures.Bytes("streams/" + fixture);
        var (expected, _) = await StreamRun.RunAsync(new MemoryStream(data), shaping);

        var (oneByte, _) = await StreamRun.RunAsync(new ChunkedStream(data.Select(b => new[] { b }).ToList()), shaping);
        Assert.Equal(expected, oneByte);

        var random = new Random(name.Length * 7919);
        for (var run = 0; run < 50; run++)
        {
            var offsets = Enumerable.Range(0, random.Next(2, 40)).Select(_ => random.Next(1, data.Length)).ToArray();
            var (actual, _) = await StreamRun.RunAsync(ChunkedStream.SplitAt(data, offsets), shaping);
            if (actual != expected) Assert.Fail($"{name}: output differs when split at [{string.Join(',', offsets.Order())}]");
        }
    }

    [Theory]
    [MemberData(nameof(StreamCases.Names), MemberType = typeof(StreamCases))]
    public async Task Translate_CrLfLineEndings_SameOutput(string name)
    {
        var (fixture, shaping) = StreamCases.All[name];
        var lf = Fixtures.Bytes("streams/" + fixture);
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(lf).Replace("\n", "\r\n"));
        var (expected, _) = await StreamRun.RunAsync(new MemoryStream(lf), shaping);
        var (actual, _) = await StreamRun.RunAsync(new MemoryStream(crlf), shaping);
        Assert.Equal(expected, actual);

        // Split between \r and \n of every line ending.
        var cuts = Enumerable.Range(1, crlf.Length - 1).Where(i => crlf[i - 1] == '\r').ToArray();
        var (split, _) = await StreamRun.RunAsync(ChunkedStream.SplitAt(crlf, cuts), shaping);
        Assert.Equal(expected, split);
    }
}
