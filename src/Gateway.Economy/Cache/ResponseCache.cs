using Gateway.Core.Protocol.Anthropic;

namespace Gateway.Economy.Cache;

/// <summary>
/// Exact-match cache of answers (issue 5, reduction 7). A request is cacheable when the cache is enabled (<c>CACHE_TTL_SECONDS</c> &gt; 0),
/// its profile allows it, and it is deterministic (temperature 0) or its profile caches always. The key is <see cref="ResponseCacheKey"/>
/// (normalized upstream request + profile), so the lookup runs on the request after policy, as sent upstream.
/// <para>Host flow: <see cref="LookupAsync(MessagesRequest, string, CacheSettings, double?, CancellationToken)"/>; on HIT replay
/// <see cref="CacheLookup.Answer"/> with <see cref="CachedAnswerWriter"/>; on MISS call upstream, then <see cref="StoreAsync(string, CachedAnswer, TimeSpan, CancellationToken)"/>
/// the answer if <see cref="CachedAnswer.TryFrom(Gateway.Core.Protocol.OpenAi.ChatCompletionResponse)"/> (a stream:
/// <see cref="CachedAnswer.TryFrom(Gateway.Core.Streaming.StreamOutcome)"/>) made one; on BYPASS store nothing.
/// Send <see cref="CacheLookup.HeaderValue"/> as <c>X-Cache</c>.</para>
/// Fail-open: a store that is down turns lookups into BYPASS (<see cref="CacheLookup.StoreUnavailable"/>) and stores into no-ops.
/// </summary>
public sealed class ResponseCache(IResponseCacheStore store, ResponseCacheOptions? options = null)
{
    public ResponseCacheOptions Options { get; } = options ?? new ResponseCacheOptions();

    public IResponseCacheStore Store => store;

    /// <summary>Looks up with the mode of the profile's <paramref name="config"/> (<see cref="ResponseCacheModes.From"/>).</summary>
    public ValueTask<CacheLookup> LookupAsync(SerializedMessagesRequest upstream, string profile, CacheSettings config, double? temperature, CancellationToken ct = default) =>
        LookupAsync(upstream, profile, ResponseCacheModes.From(config), temperature, ct);

    /// <summary>For a request not serialized yet (tests, tools).</summary>
    public async ValueTask<CacheLookup> LookupAsync(MessagesRequest upstream, string profile, CacheSettings config, double? temperature, CancellationToken ct = default)
    {
        using var serialized = SerializedMessagesRequest.Create(upstream);
        return await LookupAsync(serialized, profile, ResponseCacheModes.From(config), temperature, ct).ConfigureAwait(false);
    }

    /// <summary>For a request not serialized yet (tests, tools).</summary>
    public async ValueTask<CacheLookup> LookupAsync(MessagesRequest upstream, string profile, ResponseCacheMode mode, double? temperature, CancellationToken ct = default)
    {
        using var serialized = SerializedMessagesRequest.Create(upstream);
        return await LookupAsync(serialized, profile, mode, temperature, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// HIT with the answer, MISS with the key to store under later, or BYPASS with the reason. <paramref name="temperature"/> is the
    /// client's; null falls back to the upstream request's, and null there means the API default (1): not deterministic.
    /// </summary>
    public async ValueTask<CacheLookup> LookupAsync(SerializedMessagesRequest upstream, string profile, ResponseCacheMode mode, double? temperature, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(profile);
        if (!Options.Enabled) return CacheLookup.Bypass(CacheLookup.Disabled);
        if (mode == ResponseCacheMode.Off) return CacheLookup.Bypass(CacheLookup.ProfileOff);
        if (mode == ResponseCacheMode.Deterministic && (temperature ?? upstream.Request.Temperature) is not 0.0)
            return CacheLookup.Bypass(CacheLookup.NotDeterministic);

        var key = ResponseCacheKey.Compute(upstream, profile);
        var read = await store.GetAsync(key, ct).ConfigureAwait(false);
        switch (read.Status)
        {
            case CacheReadStatus.Unavailable:
                return CacheLookup.Bypass(CacheLookup.StoreUnavailable);
            case CacheReadStatus.Hit when CachedAnswer.TryParse(read.Value) is { } answer:
                return CacheLookup.Hit(key, answer);
            default:
                return CacheLookup.Miss(key); // absent, or a corrupt / old-format value that the next store overwrites
        }
    }

    /// <summary>Stores <paramref name="answer"/> under <paramref name="key"/> for <see cref="ResponseCacheOptions.Ttl"/>.</summary>
    public ValueTask<bool> StoreAsync(string key, CachedAnswer answer, CancellationToken ct = default) =>
        StoreAsync(key, answer, Options.Ttl, ct);

    /// <summary>
    /// Stores <paramref name="answer"/>; false when not stored: the cache is disabled, the answer is not a text answer, it is larger than
    /// <see cref="ResponseCacheOptions.MaxAnswerBytes"/>, or the store is unavailable (fail-open: never throws for that).
    /// </summary>
    public async ValueTask<bool> StoreAsync(string key, CachedAnswer answer, TimeSpan ttl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(answer);
        if (!Options.Enabled || ttl <= TimeSpan.Zero || !CachedAnswer.IsCacheableFinish(answer.FinishReason) || !store.IsAvailable) return false;
        var bytes = answer.ToUtf8Bytes();
        if (bytes.Length > Options.MaxAnswerBytes) return false;
        return await store.SetAsync(key, bytes, ttl, ct).ConfigureAwait(false);
    }
}
