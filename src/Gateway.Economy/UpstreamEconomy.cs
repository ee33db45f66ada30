using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Economy.Cache;
using Gateway.Economy.Prompt;
using Microsoft.Extensions.Logging;

namespace Gateway.Economy;

/// <summary>What the token economy did to one upstream request before it was sent.</summary>
/// <param name="Pruned">Context pruning, when the request had to be cut to fit the model's context window.</param>
/// <param name="Plan">Prompt-cache breakpoints placed.</param>
/// <param name="Cache">Response cache lookup: HIT (answer here), MISS (store the answer under its key) or BYPASS.</param>
/// <param name="Serialized">The request serialized once (key and block hashes came from it); write the upstream body with
/// <see cref="SerializedMessagesRequest.WriteBody"/>. The caller disposes it when the request is done.</param>
public sealed record EconomyOutcome(PruneResult? Pruned, CachePlan? Plan, CacheLookup Cache, SerializedMessagesRequest Serialized);

/// <summary>
/// The token economy's work on the translated (Anthropic) request, in this order:
/// 1. fit the model's context window (drop the oldest turns, pairs intact), so the upstream never answers 400 for length;
/// 2. serialize the request once (pooled; no cache_control, stream or metadata in those bytes);
/// 3. look up the response cache by those bytes (exact match on the final request, per profile) — a HIT needs no upstream call;
/// 4. place prompt-cache breakpoints (at most 4, above the model minimum, TTL from the profile), hashing blocks from those bytes.
/// Every step is a per-profile policy feature; each is fail-open (a store that fails reads as a miss).
/// </summary>
public sealed class UpstreamEconomy(ContextPruner pruner, PromptCachePlanner planner, ResponseCache responseCache, ILogger<UpstreamEconomy> log)
{
    /// <param name="upstream">The canonical request after the policy pipeline; changed in place (pruned, breakpoints).</param>
    /// <param name="catalogue">The model catalogue of the request's policy snapshot.</param>
    /// <param name="profile">The profile's name: response-cache entries and prefix tracking are per profile.</param>
    /// <param name="config">The profile's cache settings.</param>
    /// <param name="keyScope">The gateway key's id: prefix tracking is per profile and key.</param>
    /// <param name="clientTemperature">The temperature the client asked for (the response cache serves temperature 0 only).</param>
    public async ValueTask<EconomyOutcome> PrepareAsync(MessagesRequest upstream, ModelCatalogue catalogue, string profile, CacheSettings config,
        string keyScope, double? clientTemperature, CancellationToken ct)
    {
        catalogue.TryGet(upstream.Model, out var model);

        // 1. Fit the context window (the output budget comes out of it).
        PruneResult? pruned = null;
        if (model is not null)
        {
            pruned = pruner.Prune(upstream, Math.Max(1024, model.ContextWindow - upstream.MaxTokens));
            if (pruned.Pruned) log.LogInformation("Context pruned for {Model}: {Pruned}", upstream.Model, pruned.HeaderValue);
        }

        // 2. Serialize once; only cache marks may change on the request from here on.
        var serialized = SerializedMessagesRequest.Create(upstream);
        try
        {
            // 3. Response cache, on the request as it will be sent (cache_control is not part of the key).
            var lookup = await responseCache.LookupAsync(serialized, profile, config, clientTemperature ?? upstream.Temperature, ct);
            if (lookup.Status == CacheStatus.Hit) return new EconomyOutcome(pruned, null, lookup, serialized);

            // 4. Prompt-cache breakpoints; the scope keeps prefix tracking per profile and key (Anthropic caches per organization).
            CachePlan? plan = null;
            if (config.PrefixCache)
            {
                try
                {
                    plan = await planner.ApplyAsync(serialized, model, config, profile + "/" + keyScope);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Prompt-cache planning failed; sending without breakpoints");
                }
            }
            return new EconomyOutcome(pruned, plan, lookup, serialized);
        }
        catch
        {
            serialized.Dispose();
            throw;
        }
    }
}
