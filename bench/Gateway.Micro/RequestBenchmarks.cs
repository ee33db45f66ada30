using BenchmarkDotNet.Attributes;
using Gateway.Economy.Cache;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;
using Gateway.Economy.Prompt;
using Gateway.Policy.Engine;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Micro;

/// <summary>
/// The request half of one completion, on a real Continue request, step by step as ChatCompletionsHandler runs it.
/// Steps that change the request in place (policy, planner) get a fresh parse, or have their marks taken off after each call,
/// so every invocation sees the request the client sent; <c>Parse</c> is there to subtract.
/// </summary>
[MemoryDiagnoser]
public class RequestBenchmarks
{
    [Params("small", "large")]
    public string Size { get; set; } = "small";

    private byte[] _body = [];
    private Dictionary<string, string> _headers = [];
    private ChatCompletionRequest _parsed = null!;
    private MessagesRequest _upstream = null!;
    private ModelEntry? _model;
    private PolicySnapshot _snapshot = null!;
    private PolicyEngine _engine = null!;
    private ChatToMessagesRequestTranslator _translator = null!;
    private PromptCachePlanner _planner = null!;
    private ContextPruner _pruner = null!;
    private Gateway.Economy.CacheSettings _cacheConfig = null!;
    private ModelCatalogue _catalogue = null!;
    private readonly InMemoryThinkingStore _thinking = new();

    [GlobalSetup]
    public void Setup()
    {
        (_body, _headers) = Fixtures.Request(Size);
        _catalogue = Fixtures.Catalogue();
        _snapshot = Fixtures.Snapshot();
        _engine = new PolicyEngine(null, null, TiktokenEstimator.Instance, NullLogger.Instance);
        _translator = new ChatToMessagesRequestTranslator(_catalogue, new TranslationOptions());
        _planner = new PromptCachePlanner(new InMemoryPrefixHashStore(), TiktokenEstimator.Instance);
        _pruner = new ContextPruner(TiktokenEstimator.Instance);
        _cacheConfig = Gateway.Host.Economy.EconomySettings.Of(_snapshot.Default);

        _parsed = ChatCompletionRequestParser.Parse(_body);
        // The default profile has no script rule and an in-memory session store: shaping completes synchronously here.
        var shaped = ShapeFreshAsync().AsTask().GetAwaiter().GetResult();
        _upstream = _translator.ApplyModelRules(shaped.Request, shaped.Shaped.Model).Request;
        _catalogue.TryGet(_upstream.Model, out var model);
        _model = model;
        if (CacheMarks.Strip(_upstream) > 0) throw new InvalidOperationException("the fixture carries client cache_control marks; the planner benchmark assumes none");
    }

    /// <summary>Parse, ingress translation to the canonical request, policy: the handler's steps 2-4.</summary>
    private async ValueTask<(ChatCompletionRequest Client, CanonicalRequest Request, ShapedRequest Shaped)> ShapeFreshAsync()
    {
        var client = ChatCompletionRequestParser.Parse(_body);
        var request = _translator.ToCanonical(client);
        var shaped = await _engine.ShapeRequestAsync(_snapshot, new PolicyRequestInput(request, null, _headers, DateTimeOffset.UtcNow));
        return (client, request, shaped);
    }

    [Benchmark(Description = "parse")]
    public ChatCompletionRequest Parse() => ChatCompletionRequestParser.Parse(_body);

    [Benchmark(Description = "translate request (parsed once)")]
    public MessagesRequest Translate() => _translator.Translate(_parsed, _catalogue.DefaultModel).Request;

    [Benchmark(Description = "parse + canonical + policy ShapeRequest (default profile)")]
    public async Task<ShapedRequest> ParseAndShape() => (await ShapeFreshAsync()).Shaped;

    [Benchmark(Description = "context pruner (fits: estimate only)")]
    public PruneResult Prune() => _pruner.Prune(_upstream, int.MaxValue);

    [Benchmark(Description = "serialize once (pooled, with block ranges)")]
    public int SerializeOnce()
    {
        using var serialized = SerializedMessagesRequest.Create(_upstream);
        return serialized.Content.Length;
    }

    [Benchmark(Description = "response-cache key (serialize + hash)")]
    public string CacheKey() => ResponseCacheKey.Compute(_upstream, "default");

    [Benchmark(Description = "prompt-cache planner (prefix seen)")]
    public async Task<CachePlan> Planner()
    {
        var plan = await _planner.ApplyAsync(_upstream, _model, _cacheConfig, "default/bench");
        CacheMarks.Strip(_upstream);
        return plan;
    }

    /// <summary>Everything the gateway does to a request before it goes upstream, as the handler does it: parse, canonical request,
    /// policy, the model's rules, pruning, one serialization, the response-cache key and the planner from its bytes, the body.</summary>
    [Benchmark(Description = "whole request path (parse..upstream body)")]
    public async Task<int> WholeRequestPath()
    {
        var (client, request, shaped) = await ShapeFreshAsync();
        var thinking = await ThinkingPrefetch.LoadAsync(_thinking, client, _catalogue, shaped.Model);
        var upstream = _translator.ApplyModelRules(request, shaped.Model, thinking).Request;
        _pruner.Prune(upstream, Math.Max(1024, (_model?.ContextWindow ?? 200_000) - upstream.MaxTokens));
        using var serialized = SerializedMessagesRequest.Create(upstream);
        ResponseCacheKey.Compute(serialized, shaped.Profile.Name);
        await _planner.ApplyAsync(serialized, _model, _cacheConfig, "default/whole");
        using var body = new Gateway.Core.Buffers.PooledBufferWriter(serialized.Content.Length + 512);
        serialized.WriteBody(body);
        return body.WrittenCount;
    }
}
