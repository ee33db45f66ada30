using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Streaming;
using Gateway.Core.Translation;
using Gateway.Core.Upstream;
using Gateway.Host.Observability;
using Gateway.Host.Security;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Engine;
using Gateway.Policy.Reload;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Host.Endpoints;

/// <summary>
/// Drives one <c>POST /v1/chat/completions</c> request. The steps, marked in the body:
/// 1. read the body (bounded; 413 when too large);
/// 2. parse the OpenAI request (400 on malformed JSON or wrong types);
/// 3. apply the policy layer on the snapshot captured once for this request: select the profile, resolve the model,
///    run the profile's request pipeline (strip, cap, route, diff-first, script rules); say why in <c>X-Model-Source</c>;
/// 4. translate to an Anthropic Messages request, recording every adjustment;
/// 5. send upstream, returning when headers arrive (504 on first-byte timeout, cancelled when the client leaves);
/// 6. map an upstream error to OpenAI's error shape;
/// 7. translate the answer: one JSON document, or the SSE stream event by event without buffering;
/// 8. let the profile's response rules observe the answer.
/// </summary>
public sealed class ChatCompletionsHandler(
    PolicyStore policies,
    PolicyEngine policyEngine,
    ChatToMessagesRequestTranslator requestTranslator,
    MessagesToChatResponseTranslator responseTranslator,
    IThinkingStore thinking,
    AnthropicUpstreamClient upstream,
    ILogger<ChatCompletionsHandler> log)
{
    private const int MaxAdjustmentsHeaderLength = 512;

    public async Task HandleAsync(HttpContext http)
    {
        var ctx = GatewayRequestContext.Of(http);
        var ct = http.RequestAborted;
        try
        {
            // 1. Read the body.
            ctx.ErrorStage = "parse";
            using var body = await ReadBodyAsync(http.Request.BodyReader, ct);

            // 2. Parse.
            var request = ChatCompletionRequestParser.Parse(body.WrittenSpan);

            // 3. Policy.
            ctx.ErrorStage = "policy";
            ctx.RequestedModel = request.Model;
            var shaped = ApplyPolicy(http, ctx, request);
            if (shaped.Rejection is not null)
                throw new GatewayException(403, OpenAiErrorTypes.Permission, shaped.Rejection, code: "profile_not_allowed");
            if (shaped.FailedClosed)
                throw new GatewayException(500, "policy_error",
                    $"Policy rule '{shaped.Report!.FailedStepId}' failed and profile '{shaped.Profile.Name}' is fail-closed.", code: "policy_rule_failed");
            ctx.Model = shaped.Model;
            ctx.ModelSource = shaped.ModelSource;
            http.Response.Headers["X-Model-Source"] = shaped.ModelSource;

            // 4. Translate.
            ctx.ErrorStage = "translate";
            var translation = requestTranslator.Translate(request, shaped.Model);
            ctx.Stream = translation.Request.Stream == true;
            ctx.Adjustments = translation.Adjustments;
            if (translation.Adjustments.Count > 0)
            {
                http.Response.Headers["X-Gateway-Adjustments"] = HeaderSafe(string.Join("; ", translation.Adjustments));
                log.LogInformation("Request adjusted for {Model}: {Adjustments}", shaped.Model, translation.Adjustments);
            }
            var upstreamBody = JsonSerializer.SerializeToUtf8Bytes(translation.Request, AnthropicRequestJsonContext.Default.MessagesRequest);

            // 5. Send upstream.
            ctx.ErrorStage = "upstream";
            using var response = await upstream.SendAsync(upstreamBody, ct);
            ctx.MarkUpstreamFirstByte();
            ctx.UpstreamStatus = response.Status;
            ctx.UpstreamRequestId = response.RequestId;

            // 6. Upstream error.
            if (!response.IsSuccess)
            {
                var errorBody = await response.ReadBodyAsBytesAsync(ct);
                throw AnthropicErrorMapper.FromUpstream(response.Status, errorBody, response.RetryAfter);
            }

            // 7. Translate the answer.
            var folded = ctx.Stream
                ? await StreamAsync(http, ctx, response, translation.Shaping, ct)
                : await RespondAsync(http, ctx, response, translation.Shaping, ct);
            if (ctx.ErrorType is null) ctx.ErrorStage = null;

            // 8. Response rules.
            if (policyEngine.ObserveResponse(shaped, folded) is not null && shaped.Context is { } policyContext)
                ctx.PolicyTags = new Dictionary<string, string>(policyContext.Tags);
        }
        catch (GatewayException error)
        {
            ctx.ErrorType = error.Code ?? error.Type;
            await OpenAiErrorWriter.WriteAsync(http, error);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ctx.ErrorType = "request_too_large";
            await OpenAiErrorWriter.WriteAsync(http, 413, OpenAiErrorTypes.InvalidRequest, "The request body is larger than this gateway accepts.", code: "request_too_large");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the upstream call was cancelled with it; nothing left to answer.
            ctx.ErrorStage = "client";
            ctx.ErrorType = "client_disconnected";
        }
    }

    private ShapedRequest ApplyPolicy(HttpContext http, GatewayRequestContext ctx, ChatCompletionRequest request)
    {
        var snapshot = policies.Current; // read once: a reload mid-request does not change this request
        var shaped = policyEngine.ShapeRequest(snapshot, new PolicyRequestInput(request, ctx.KeySha256, SafeHeaders.From(http.Request.Headers), DateTimeOffset.UtcNow));
        ctx.Profile = shaped.Profile.Name;
        ctx.PolicyVersion = snapshot.Version;
        ctx.PolicyChanges = shaped.ChangeSummary;
        ctx.TokensBeforePolicy = shaped.TokensBefore;
        ctx.TokensAfterPolicy = shaped.TokensAfter;
        if (shaped.Context is { Tags.Count: > 0 } policyContext) ctx.PolicyTags = new Dictionary<string, string>(policyContext.Tags);
        http.Response.Headers["X-Policy-Version"] = snapshot.Version;
        http.Response.Headers["X-Profile"] = shaped.Profile.Name;
        if (shaped.Rejection is null) http.Response.Headers["X-Reduction"] = ReductionHeader(shaped.TokensBefore, shaped.TokensAfter);
        return shaped;
    }

    private async Task<ResponseView> RespondAsync(HttpContext http, GatewayRequestContext ctx, UpstreamResponse response, ResponseShaping shaping, CancellationToken ct)
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
        var answer = completion.Choices.FirstOrDefault()?.Message;
        return new ResponseView(completion.Model, ctx.FinishReason, answer?.Content ?? "",
            answer?.ToolCalls?.Select(c => c.Function.Name).ToList() ?? [],
            ctx.Usage.PromptTokens, ctx.Usage.OutputTokens, ctx.Usage.CacheReadInputTokens);
    }

    private async Task<ResponseView> StreamAsync(HttpContext http, GatewayRequestContext ctx, UpstreamResponse response, ResponseShaping shaping, CancellationToken ct)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // nginx and friends: do not hold events back
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await http.Response.StartAsync(ct);

        ctx.ErrorStage = "stream";
        await using var upstreamBody = await response.ReadBodyAsStreamAsync(ct);
        var translator = new MessagesToChatStreamTranslator(shaping, thinking);
        var outcome = await translator.TranslateAsync(upstreamBody, http.Response.BodyWriter, ct);
        ctx.Usage = outcome.Usage;
        ctx.FinishReason = outcome.FinishReason;
        if (outcome.ClientDisconnected)
        {
            ctx.ErrorStage = "client";
            ctx.ErrorType = "client_disconnected";
        }
        else if (outcome.Error is { } error)
        {
            // The translator already told the client in-band (an error payload, then [DONE]); the log line says so.
            ctx.ErrorType = error.Code ?? error.Type;
        }
        // The stream's text went to the client event by event and was not kept: stream rules see usage and finish reason.
        return new ResponseView(shaping.ResponseModel, outcome.FinishReason, "", [], outcome.Usage.PromptTokens, outcome.Usage.OutputTokens, outcome.Usage.CacheReadInputTokens);
    }

    /// <summary>Reads the whole request body into a pooled buffer; Kestrel enforces the size limit while we read.</summary>
    private static async Task<PooledBody> ReadBodyAsync(PipeReader reader, CancellationToken ct)
    {
        var buffer = new PooledBody();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            foreach (var segment in result.Buffer) buffer.Write(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return buffer;
    }

    /// <summary><c>X-Reduction: 71%; before=48210; after=13980</c>: estimated input tokens before and after the policy pipeline.</summary>
    internal static string ReductionHeader(int before, int after)
    {
        var percent = before <= 0 ? 0 : (int)Math.Round(100.0 * (before - after) / before);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{percent}%; before={before}; after={after}");
    }

    /// <summary>Header values must be ASCII without control characters; adjustments come from model and client text.</summary>
    private static string HeaderSafe(string value)
    {
        Span<char> chars = value.Length <= MaxAdjustmentsHeaderLength ? stackalloc char[value.Length] : new char[MaxAdjustmentsHeaderLength];
        var n = Math.Min(value.Length, chars.Length);
        for (var i = 0; i < n; i++) chars[i] = value[i] is >= ' ' and <= '~' ? value[i] : '?';
        return new string(chars[..n]);
    }

    private sealed class PooledBody : IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(16 * 1024);
        private int _length;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

        public void Write(ReadOnlySpan<byte> data)
        {
            if (_length + data.Length > _array.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + data.Length));
                _array.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = bigger;
            }
            data.CopyTo(_array.AsSpan(_length));
            _length += data.Length;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
    }
}
