using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Economy.Cache;
using Gateway.Core.Buffers;
using Gateway.Core.Errors;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;
using Gateway.Core.Upstream;
using Gateway.Core.Usage;
using Gateway.Host.Configuration;
using Gateway.Economy;
using Gateway.Host.Economy;
using Gateway.Host.Observability;
using Gateway.Host.Policies;
using Gateway.Host.Security;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Engine;
using Gateway.Policy.Reload;
using Gateway.Policy.Snapshots;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Host.Endpoints;

/// <summary>
/// Drives one <c>POST /v1/chat/completions</c> request. The steps, marked in the body:
/// 1. read the body (bounded; 413 when too large, after draining a moderately larger body so the client can read it);
/// 2. parse the OpenAI request (400 on malformed JSON or wrong types);
/// 3. ingress translation: the canonical request, an Anthropic Messages request whose model is not chosen yet;
/// 4. apply the policy layer to it on the snapshot captured once for this request: select the profile, resolve the model,
///    run the profile's request pipeline (strip, cap, route, diff-first, script rules); say why in <c>X-Model-Source</c>;
///    then the chosen model's parameter rules (thinking, sampling, limits), recording every adjustment (the stored thinking
///    they may restore is loaded first, awaited);
/// 5. token economy: fit the context window, answer from the response cache on a HIT, place prompt-cache breakpoints;
/// 6. send upstream, returning when headers arrive (504 on first-byte timeout, cancelled when the client leaves);
/// 7. map an upstream error to OpenAI's error shape;
/// 8. translate the answer: one JSON document, or the SSE stream event by event without buffering (kept for the response cache on a MISS);
/// 9. let the profile's response rules observe the answer.
/// </summary>
public sealed class ChatCompletionsHandler(
    PolicyStore policies,
    PolicyEngine policyEngine,
    SnapshotTranslators translators,
    MessagesToChatResponseTranslator responseTranslator,
    IThinkingStore thinking,
    AnthropicUpstreamClient upstream,
    UpstreamEconomy economy,
    ResponseCache responseCache,
    GatewayOptions options,
    ILogger<ChatCompletionsHandler> log)
{
    public async Task HandleAsync(HttpContext http)
    {
        var ctx = GatewayRequestContext.Of(http);
        var ct = http.RequestAborted;
        try
        {
            // 1. Read the body.
            ctx.ErrorStage = RequestStage.Parse;
            using var body = await RequestBody.ReadAsync(http, options.MaxRequestBodyBytes, options.MaxRequestDrainBytes, ct);

            // 2. Parse.
            var request = ChatCompletionRequestParser.Parse(body.WrittenSpan);

            // 3. Ingress translation: the canonical request (an Anthropic Messages request without its model yet).
            ctx.ErrorStage = RequestStage.Translate;
            ctx.RequestedModel = request.Model;
            var snapshot = policies.Current; // read once: a reload mid-request does not change this request
            var translator = translators.RequestTranslator(snapshot);
            var canonical = translator.ToCanonical(request);

            // 4. Policy: profile, model, pipeline, all on the canonical request.
            ctx.ErrorStage = RequestStage.Policy;
            var shaped = await ApplyPolicyAsync(http, ctx, snapshot, canonical, ct);
            if (shaped.Rejection is not null)
                throw new GatewayException(403, OpenAiErrorTypes.Permission, shaped.Rejection, code: "profile_not_allowed");
            if (shaped.FailedClosed)
                throw new GatewayException(500, "policy_error",
                    $"Policy rule '{shaped.Report!.FailedStepId}' failed and profile '{shaped.Profile.Name}' is fail-closed.", code: "policy_rule_failed");
            ctx.Model = shaped.Model;
            ctx.ModelSource = shaped.ModelSource;
            http.Response.Headers["X-Model-Source"] = shaped.ModelSource;

            // 4b. The model's parameter rules, for the model the policy chose.
            ctx.ErrorStage = RequestStage.Translate;
            var storedThinking = await ThinkingPrefetch.LoadAsync(thinking, request, shaped.Snapshot.Catalogue, shaped.Model, ct);
            var translation = translator.ApplyModelRules(canonical, shaped.Model, storedThinking);
            ctx.Stream = translation.Request.Stream == true;
            ctx.Adjustments = translation.Adjustments;
            if (translation.Adjustments.Count > 0)
            {
                http.Response.Headers["X-Gateway-Adjustments"] = GatewayHeaders.Safe(string.Join("; ", translation.Adjustments));
                log.LogInformation("Request adjusted for {Model}: {Adjustments}", shaped.Model, translation.Adjustments);
            }

            // 5. Token economy.
            ctx.ErrorStage = RequestStage.Economy;
            var saving = await economy.PrepareAsync(translation.Request, shaped.Snapshot.Catalogue, shaped.Profile.Name,
                EconomySettings.Of(shaped.Profile), ctx.KeyId, request.Temperature, ct);
            http.Response.Headers["X-Cache"] = saving.Cache.HeaderValue;
            if (saving.Pruned?.HeaderValue is { } pruned) http.Response.Headers["X-Context-Pruned"] = pruned;
            ctx.CacheStatus = saving.Cache.HeaderValue;
            ctx.CachePlan = saving.Plan?.ToString();
            using var serialized = saving.Serialized;
            if (saving.Cache.Answer is { } cached)
            {
                await ReplayCachedAsync(http, ctx, cached, translation.Shaping, ct);
                ctx.ErrorStage = null;
                return;
            }
            // The one serialization, with the breakpoints the planner placed (pooled: returned when the request ends).
            using var upstreamBody = new PooledBufferWriter(serialized.Content.Length + 512);
            serialized.WriteBody(upstreamBody);

            // 6. Send upstream.
            ctx.ErrorStage = RequestStage.Upstream;
            using var response = await upstream.SendAsync(upstreamBody.WrittenMemory, ct);
            ctx.MarkUpstreamFirstByte();
            ctx.UpstreamStatus = response.Status;
            ctx.UpstreamRequestId = response.RequestId;

            // 7. Upstream error.
            if (!response.IsSuccess)
            {
                var errorBody = await response.ReadBodyAsBytesAsync(ct);
                throw AnthropicErrorMapper.FromUpstream(response.Status, errorBody, response.RetryAfter);
            }

            // 8. Translate the answer.
            var folded = ctx.Stream
                ? await StreamAsync(http, ctx, response, translation.Shaping, saving.Cache.Key, keepText: shaped.ObservesResponse, ct)
                : await RespondAsync(http, ctx, response, translation.Shaping, saving.Cache.Key, ct);
            if (ctx.ErrorType is null) ctx.ErrorStage = null;

            // 9. Response rules.
            if (await policyEngine.ObserveResponseAsync(shaped, folded) is not null && shaped.Context is { } policyContext)
                ctx.PolicyTags = new Dictionary<string, string>(policyContext.Tags);
        }
        catch (GatewayException error)
        {
            ctx.ErrorType = error.Code ?? error.Type;
            await OpenAiErrorWriter.WriteAsync(http, error);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel stopped a body beyond the drain cap (see RequestBody): answer in OpenAI's shape; the connection closes.
            var error = RequestBody.Refused(http);
            ctx.ErrorType = error.Code;
            await OpenAiErrorWriter.WriteAsync(http, error);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the upstream call was cancelled with it; nothing left to answer.
            ctx.ErrorStage = RequestStage.Client;
            ctx.ErrorType = "client_disconnected";
        }
    }

    private async ValueTask<ShapedRequest> ApplyPolicyAsync(HttpContext http, GatewayRequestContext ctx, PolicySnapshot snapshot, CanonicalRequest request, CancellationToken ct)
    {
        var shaped = await policyEngine.ShapeRequestAsync(snapshot, new PolicyRequestInput(request, ctx.KeySha256, SafeHeaders.From(http.Request.Headers), DateTimeOffset.UtcNow), ct);
        ctx.Profile = shaped.Profile.Name;
        ctx.PolicyVersion = snapshot.Version;
        ctx.PolicyChanges = shaped.ChangeSummary;
        ctx.TokensBeforePolicy = shaped.TokensBefore;
        ctx.TokensAfterPolicy = shaped.TokensAfter;
        if (shaped.Context is { Tags.Count: > 0 } policyContext) ctx.PolicyTags = new Dictionary<string, string>(policyContext.Tags);
        http.Response.Headers["X-Policy-Version"] = snapshot.Version;
        http.Response.Headers["X-Profile"] = shaped.Profile.Name;
        if (shaped.Rejection is null) http.Response.Headers["X-Reduction"] = GatewayHeaders.Reduction(shaped.TokensBefore, shaped.TokensAfter);
        return shaped;
    }

    /// <summary>A response-cache HIT: the stored answer, as JSON or as a proper SSE stream; nothing was billed upstream, so usage is zero.</summary>
    private static async Task ReplayCachedAsync(HttpContext http, GatewayRequestContext ctx, CachedAnswer cached, ResponseShaping shaping, CancellationToken ct)
    {
        ctx.Usage = UsageSummary.Zero;
        ctx.FinishReason = cached.FinishReason;
        http.Response.StatusCode = 200;
        if (ctx.Stream)
        {
            PrepareStream(http);
            await http.Response.StartAsync(ct);
            await CachedAnswerWriter.WriteStreamAsync(http.Response.BodyWriter, cached, shaping.IncludeUsage, shaping.ResponseModel, ct);
        }
        else
        {
            http.Response.ContentType = "application/json";
            await CachedAnswerWriter.WriteJsonAsync(http.Response.BodyWriter, cached, shaping.ResponseModel, ct);
        }
    }

    private async Task<ResponseView> RespondAsync(HttpContext http, GatewayRequestContext ctx, UpstreamResponse response, ResponseShaping shaping, string? cacheKey, CancellationToken ct)
    {
        var bytes = await response.ReadBodyAsBytesAsync(ct);
        MessagesResponse? message;
        try
        {
            message = JsonSerializer.Deserialize(bytes, AnthropicResponseJsonContext.Default.MessagesResponse);
        }
        catch (JsonException)
        {
            message = null;
        }
        if (message is null)
            throw new GatewayException(502, OpenAiErrorTypes.Server, "The upstream answered with a body that is not a Messages response.", code: "upstream_invalid_response");

        var completion = responseTranslator.Translate(message, shaping);
        ctx.Usage = MessagesToChatResponseTranslator.Usage(message);
        ctx.FinishReason = completion.Choices.FirstOrDefault()?.FinishReason;
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, completion, OpenAiResponseJsonContext.Default.ChatCompletionResponse, ct);
        if (cacheKey is not null && CachedAnswer.TryFrom(completion) is { } storable) await responseCache.StoreAsync(cacheKey, storable, ct);
        var answer = completion.Choices.FirstOrDefault()?.Message;
        IReadOnlyList<string> toolCalls = answer?.FunctionCall is { } legacy ? [legacy.Name] : answer?.ToolCalls?.Select(c => c.Function.Name).ToList() ?? [];
        return new ResponseView(completion.Model, ctx.FinishReason, answer?.Content ?? "", toolCalls,
            ctx.Usage.PromptTokens, ctx.Usage.OutputTokens, ctx.Usage.CacheReadInputTokens);
    }

    private static void PrepareStream(HttpContext http)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx and friends: do not hold events back
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <param name="keepText">Response-stage rules will look at the answer text (a cache MISS keeps it anyway, to store it).</param>
    private async Task<ResponseView> StreamAsync(HttpContext http, GatewayRequestContext ctx, UpstreamResponse response, ResponseShaping shaping, string? cacheKey, bool keepText, CancellationToken ct)
    {
        PrepareStream(http);
        await http.Response.StartAsync(ct);

        ctx.ErrorStage = RequestStage.Stream;
        await using var upstreamBody = await response.ReadBodyAsStreamAsync(ct);
        // The translator folds the answer once (bounded); the text only when response rules or a response-cache MISS need it.
        var translator = new MessagesToChatStreamTranslator(shaping, thinking, keepText: keepText || cacheKey is not null);
        var outcome = await translator.TranslateAsync(upstreamBody, http.Response.BodyWriter, ct);
        ctx.Usage = outcome.Usage;
        ctx.FinishReason = outcome.FinishReason;
        // A MISS is stored from that fold when it is a whole text answer (no error, the client stayed, not cut; see CachedAnswer.TryFrom).
        if (cacheKey is not null && CachedAnswer.TryFrom(outcome) is { } storable)
            await responseCache.StoreAsync(cacheKey, storable, CancellationToken.None);
        if (outcome.ClientDisconnected)
        {
            ctx.ErrorStage = RequestStage.Client;
            ctx.ErrorType = "client_disconnected";
        }
        else if (outcome.Error is { } error)
        {
            // The translator already told the client in-band (an error payload, then [DONE]); the log line says so.
            ctx.ErrorType = error.Code ?? error.Type;
        }
        // The same fold is what response rules see, so a stream looks to them as a JSON answer does.
        return new ResponseView(shaping.ResponseModel, outcome.FinishReason, outcome.AnswerText, outcome.ToolCalls,
            outcome.Usage.PromptTokens, outcome.Usage.OutputTokens, outcome.Usage.CacheReadInputTokens) { TextTruncated = outcome.AnswerTextTruncated };
    }
}
