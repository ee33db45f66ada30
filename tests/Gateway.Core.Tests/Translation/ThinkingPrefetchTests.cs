using System.Collections.Concurrent;
using System.Text;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;
using static Gateway.Core.Tests.Translation.TranslationHarness;

namespace Gateway.Core.Tests.Translation;

/// <summary>
/// The async step before translation: which tool-call ids it looks up, that it skips the store when thinking cannot be on, that a
/// local store answers synchronously, and that slow lookups run concurrently (a shared store costs one bounded wait, not one per call).
/// </summary>
public sealed class ThinkingPrefetchTests
{
    private const string Model = "claude-sonnet-4-5-20250929";

    private static readonly StoredThinking Sample = new(Model, [new StoredThinkingBlock("thinking", "hmm", "sig", null)]);

    private static ChatCompletionRequest Parse(string json) => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    private static ChatCompletionRequest ToolTurns(string extra = "") => Parse($$$"""
        {"model":"gpt-4o","messages":[
          {"role":"user","content":"weather?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"toolu_a","type":"function","function":{"name":"get_weather","arguments":"{}"}},
            {"id":"toolu_b","type":"function","function":{"name":"get_time","arguments":"{}"}},
            {"type":"function","function":{"name":"no_id","arguments":"{}"}},
            {"id":"toolu_nameless","type":"function","function":{"arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"toolu_a","content":"sun"},
          {"role":"tool","tool_call_id":"toolu_b","content":"noon"},
          {"role":"user","content":"and tomorrow?","tool_calls":[{"id":"toolu_user","type":"function","function":{"name":"x","arguments":"{}"}}]},
          {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_a","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"toolu_a","content":"rain"}
        ]{{{extra}}}}
        """);

    [Fact]
    public void ToolCallIds_AssistantCallsWithANameAndAnId_DistinctInOrder()
    {
        Assert.Equal(["toolu_a", "toolu_b"], ThinkingPrefetch.ToolCallIds(ToolTurns()));
        Assert.Empty(ThinkingPrefetch.ToolCallIds(Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""")));
    }

    [Fact]
    public async Task LoadAsync_InMemory_CompletesSynchronously_WithWhatIsStored()
    {
        var store = new InMemoryThinkingStore();
        store.Save("toolu_b", Sample);
        var load = ThinkingPrefetch.LoadAsync(store, ToolTurns());
        Assert.True(load.IsCompletedSuccessfully);
        var found = await load;
        Assert.Equal(["toolu_b"], found.Keys);
        Assert.Same(Sample, found["toolu_b"]);
    }

    [Theory]
    [InlineData(Model, "", false)]                                        // manual thinking, off unless asked
    [InlineData(Model, ",\"reasoning_effort\":\"low\"", true)]
    [InlineData(Model, ",\"reasoning_effort\":\"none\"", false)]
    [InlineData("claude-sonnet-5-5", "", true)]                           // thinks by default
    [InlineData("claude-sonnet-5-5", ",\"reasoning_effort\":\"none\"", false)]
    [InlineData("claude-not-in-the-catalogue", ",\"reasoning_effort\":\"high\"", false)] // unknown: no extended thinking
    public async Task LoadAsync_WithTheCatalogue_LooksUpOnlyWhenThinkingMayBeOn(string model, string extra, bool looksUp)
    {
        var store = new RecordingStore();
        var found = await ThinkingPrefetch.LoadAsync(store, ToolTurns(extra), Catalogue, model);
        Assert.Empty(found);
        Assert.Equal(looksUp ? ["toolu_a", "toolu_b"] : [], store.Asked.ToArray());
    }

    [Fact]
    public async Task LoadAsync_SlowStore_LooksUpEveryIdBeforeAnyAnswers()
    {
        var store = new RecordingStore { Slow = true };
        var load = ThinkingPrefetch.LoadAsync(store, ToolTurns());
        Assert.False(load.IsCompleted);
        Assert.Equal(["toolu_a", "toolu_b"], store.Asked.ToArray()); // both asked, neither answered yet
        store.Answer("toolu_b", Sample);
        store.Answer("toolu_a", null);
        var found = await load;
        Assert.Equal(["toolu_b"], found.Keys);
    }

    [Fact]
    public async Task Translate_UsesWhatWasLoaded_AndNothingElse()
    {
        var store = new InMemoryThinkingStore();
        store.Save("toolu_a", Sample);
        var request = ToolTurns(",\"reasoning_effort\":\"low\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]");
        var translator = new ChatToMessagesRequestTranslator(Catalogue, new TranslationOptions());

        var restored = translator.Translate(request, Model, await ThinkingPrefetch.LoadAsync(store, request, Catalogue, Model));
        Assert.Equal("enabled", restored.Request.Thinking?.Type);
        Assert.Equal("thinking", restored.Request.Messages.Last(m => m.Role == "assistant").Content[0].Type);

        // Nothing loaded (or no dictionary): the last tool turn cannot be restored, so thinking is turned off, as with an empty store.
        var parsedAgain = ToolTurns(",\"reasoning_effort\":\"low\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]");
        var off = translator.Translate(parsedAgain, Model);
        Assert.Contains(off.Adjustments, a => a.StartsWith("thinking turned off", StringComparison.Ordinal));
    }

    /// <summary>Records the ids asked for; answers null at once, or (slow) when the test says.</summary>
    private sealed class RecordingStore : IThinkingStore
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<StoredThinking?>> _pending = new();
        public ConcurrentQueue<string> Asked { get; } = new();
        public bool Slow { get; init; }

        public void Save(string toolCallId, StoredThinking thinking) { }

        public ValueTask<StoredThinking?> GetAsync(string toolCallId, CancellationToken ct = default)
        {
            Asked.Enqueue(toolCallId);
            if (!Slow) return new((StoredThinking?)null);
            return new(_pending.GetOrAdd(toolCallId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
        }

        public void Answer(string toolCallId, StoredThinking? thinking) => _pending[toolCallId].SetResult(thinking);
    }
}
