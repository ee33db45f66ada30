using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;

namespace Gateway.Core.Tests.Streaming;

/// <summary>Runs the stream translator over an upstream body and collects what the client received.</summary>
internal static class StreamRun
{
    public static async Task<(string Output, StreamOutcome Outcome)> RunAsync(Stream upstream, ResponseShaping shaping, IThinkingStore? store = null, CancellationToken ct = default)
    {
        var client = new MemoryStream();
        var writer = PipeWriter.Create(client);
        var translator = new MessagesToChatStreamTranslator(shaping, store ?? new InMemoryThinkingStore(), FixedTimeProvider.Default);
        var outcome = await translator.TranslateAsync(upstream, writer, ct);
        await writer.CompleteAsync();
        return (Encoding.UTF8.GetString(client.ToArray()), outcome);
    }

    public static Task<(string Output, StreamOutcome Outcome)> RunFixtureAsync(string fixture, ResponseShaping shaping, IThinkingStore? store = null) =>
        RunAsync(new MemoryStream(Fixtures.Bytes("streams/" + fixture)), shaping, store);

    /// <summary>The <c>data:</c> payloads, in order (comments dropped).</summary>
    public static List<string> DataPayloads(string output)
    {
        var list = new List<string>();
        foreach (var evt in output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            if (evt.StartsWith("data: ", StringComparison.Ordinal)) list.Add(evt["data: ".Length..]);
        return list;
    }

    /// <summary>The JSON chunks (everything but [DONE]).</summary>
    public static List<JsonElement> Chunks(string output) =>
        DataPayloads(output).Where(p => p != "[DONE]").Select(p => JsonDocument.Parse(p).RootElement.Clone()).ToList();
}
