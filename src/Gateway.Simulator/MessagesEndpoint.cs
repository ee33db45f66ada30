using System.Text;
using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Caching;
using Gateway.Simulator.Validation;
using Gateway.Simulator.Wire;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator;

/// <summary>
/// Serves POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models. Steps per request:
///  1. request id header, body read (413 past 32 MB);
///  2. headers: x-api-key (401), anthropic-version (400), content-type (400);
///  3. JSON parse (400) and validation (400 / 404), prompt layout (cache_control TTL order, automatic caching: 400);
///  4. plan the answer from directives; wait for [[sim:delay]];
///  5. account prompt-cache reads and writes (only when the answer starts: errors write nothing);
///  6. write a directive-driven error, the Message, or the SSE stream;
///  7. record the request with the status answered.
/// State: the request log and the prompt cache, both thread-safe; safe for any number of concurrent requests.
/// </summary>
internal sealed class MessagesEndpoint(SimulatorOptions options, RequestLog log, PromptCache cache)
{
    private const long MaxBodyBytes = 32L * 1024 * 1024;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ThinkingSigner _signer = new();

    public Task MessagesAsync(HttpContext ctx) => HandleAsync(ctx, countTokens: false);

    public Task CountTokensAsync(HttpContext ctx) => HandleAsync(ctx, countTokens: true);

    public async Task ModelsAsync(HttpContext ctx)
    {
        var requestId = Start(ctx);
        try
        {
            CheckHeaders(ctx.Request, requireJson: false);
            var id = ctx.Request.RouteValues["id"] as string;
            if (id is not null && SimulatedModels.Find(id) is null) throw new ApiErrorException(404, "not_found_error", "model: " + id);
            await WriteJsonAsync(ctx.Response, 200, w =>
            {
                if (id is not null) { Model(w, SimulatedModels.Find(id)!); return; }
                w.WriteStartObject();
                w.WriteStartArray("data");
                foreach (var m in SimulatedModels.All) Model(w, m);
                w.WriteEndArray();
                w.WriteBoolean("has_more", false);
                w.WriteString("first_id", SimulatedModels.Snapshots[0].Id);
                w.WriteString("last_id", SimulatedModels.All.Last().Id);
                w.WriteEndObject();
            }, ctx.RequestAborted);
        }
        catch (ApiErrorException e)
        {
            await WriteErrorAsync(ctx.Response, e, requestId, ctx.RequestAborted);
        }
        finally
        {
            Record(ctx, "");
        }
    }

    private async Task HandleAsync(HttpContext ctx, bool countTokens)
    {
        var requestId = Start(ctx);
        var body = "";
        var ct = ctx.RequestAborted;
        // A JSON answer is recorded just before its body is written: with its Content-Length the client has the whole answer once
        // the bytes are out, and may look for the recorded request before this handler gets the CPU back. A stream is recorded
        // when it ends (tests rely on that to see a stream stopped), as is a request that never got an answer.
        var recorded = false;
        void RecordOnce()
        {
            if (recorded) return;
            recorded = true;
            Record(ctx, body);
        }
        try
        {
            // 1-2. Body and headers.
            if (ctx.Request.ContentLength > MaxBodyBytes) throw new ApiErrorException(413, "request_too_large", ApiErrorException.DefaultMessage("request_too_large"));
            var bytes = await ReadBodyAsync(ctx.Request, ct);
            body = Encoding.UTF8.GetString(bytes);
            CheckHeaders(ctx.Request, requireJson: true);

            // 3. Parse and validate.
            JsonDocument doc;
            try { doc = JsonDocument.Parse(bytes); }
            catch (JsonException) { throw ApiErrorException.Invalid("There was an error parsing the body of your request as JSON."); }
            using var _ = doc;
            var request = new RequestValidator(_signer, countTokens).Validate(doc.RootElement);
            var layout = PromptLayout.Build(doc.RootElement);
            if (countTokens)
            {
                await WriteJsonAsync(ctx.Response, 200, w => { w.WriteStartObject(); w.WriteNumber("input_tokens", request.InputTokens); w.WriteEndObject(); }, ct, RecordOnce);
                return;
            }

            // 4. Plan.
            var plan = new ResponsePlanner(_signer, options.Script).Plan(request, body);
            if (plan.DelayMs > 0) await Task.Delay(plan.DelayMs, ct);

            // 5. Prompt cache.
            if (plan.Error is not null) throw plan.Error;
            var usage = cache.Account(layout, request.Model, ctx.Request.Headers["x-api-key"].ToString());

            // 6. Answer.
            var id = Ids.Message();
            if (request.Stream)
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "text/event-stream; charset=utf-8";
                ctx.Response.Headers.CacheControl = "no-cache";
                await ctx.Response.StartAsync(ct);
                await StreamResponder.WriteAsync(ctx.Response, id, request.RequestedModel, plan, usage, ct);
            }
            else
            {
                await WriteJsonAsync(ctx.Response, 200, w => MessageJson.Message(w, id, request.RequestedModel, plan, usage), ct, RecordOnce);
            }
        }
        catch (ApiErrorException e) when (!ctx.Response.HasStarted)
        {
            await WriteErrorAsync(ctx.Response, e, requestId, ct, RecordOnce);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away (timeouts, cancellation tests): stop work, nothing to answer.
        }
        finally
        {
            RecordOnce();
        }
    }

    private string Start(HttpContext ctx)
    {
        var requestId = Ids.Request();
        ctx.Response.Headers["request-id"] = requestId;
        return requestId;
    }

    private void CheckHeaders(HttpRequest request, bool requireJson)
    {
        var key = request.Headers["x-api-key"].ToString();
        if (key.Length == 0) throw new ApiErrorException(401, "authentication_error", "x-api-key header is required");
        if (options.ApiKey is { } expected && key != expected) throw new ApiErrorException(401, "authentication_error", "invalid x-api-key");
        var version = request.Headers["anthropic-version"].ToString();
        if (version.Length == 0) throw ApiErrorException.Invalid("anthropic-version: header is required");
        if (version is not ("2023-06-01" or "2023-01-01")) throw ApiErrorException.Invalid($"anthropic-version: invalid version '{version}'");
        if (requireJson && !(request.ContentType ?? "").Contains("json", StringComparison.OrdinalIgnoreCase))
            throw ApiErrorException.Invalid("content-type: expected application/json");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (ms.Length + n > MaxBodyBytes) throw new ApiErrorException(413, "request_too_large", ApiErrorException.DefaultMessage("request_too_large"));
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    private static Task WriteErrorAsync(HttpResponse response, ApiErrorException e, string requestId, CancellationToken ct, Action? beforeBody = null)
    {
        if (e.RetryAfterSeconds is { } ra) response.Headers.RetryAfter = ra.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (e.Status == 529) response.Headers["x-should-retry"] = "true";
        return WriteJsonAsync(response, e.Status, w => MessageJson.Error(w, e.ErrorType, e.Message, requestId), ct, beforeBody);
    }

    /// <summary>Writes a JSON answer with its Content-Length; <paramref name="beforeBody"/> runs once the status is set, before any byte goes out.</summary>
    private static async Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write, CancellationToken ct, Action? beforeBody = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        beforeBody?.Invoke();
        await response.Body.WriteAsync(buffer.WrittenMemory, ct);
    }

    private static void Model(Utf8JsonWriter w, SimulatedModel m)
    {
        w.WriteStartObject();
        w.WriteString("type", "model");
        w.WriteString("id", m.Id);
        w.WriteString("display_name", m.Id);
        w.WriteString("created_at", "2025-01-01T00:00:00Z");
        w.WriteNumber("max_input_tokens", m.ContextWindow);
        w.WriteNumber("max_tokens", m.MaxOutputTokens);
        w.WriteEndObject();
    }

    private void Record(HttpContext ctx, string body)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in ctx.Request.Headers) headers[h.Key.ToLowerInvariant()] = h.Value.ToString();
        var status = ctx.Response.StatusCode;
        log.Add(new RecordedRequest(ctx.Request.Path + ctx.Request.QueryString, headers, body, status));
        if (!options.Quiet) Console.WriteLine($"{ctx.Request.Method} {ctx.Request.Path} -> {status}");
    }
}
