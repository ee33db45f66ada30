using System.Globalization;
using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Translation;

/// <summary>
/// OpenAI Chat Completions request -> Anthropic Messages request, for one already-resolved upstream model.
/// Steps (each marked in <see cref="Translate"/>):
/// <list type="number">
/// <item>reject what cannot be fixed (<c>n</c> &gt; 1);</item>
/// <item>tools (or legacy <c>functions</c>): names sanitized, schemas made object schemas;</item>
/// <item>history: system, messages, tool_use/tool_result pairing (<see cref="MessageHistoryMapper"/>);</item>
/// <item>thinking: from <c>reasoning_effort</c> and the model's rules; restore earlier thinking blocks from the stored thinking
///   the caller loaded first (<see cref="ThinkingPrefetch"/>), or turn thinking off when the last tool turn cannot be restored;</item>
/// <item><c>response_format</c>: json_object -> a system instruction; json_schema -> a forced tool
///   (<see cref="ResponseShaping.JsonModeToolName"/>) whose input_schema is the schema, unless the model rejects
///   forced tool_choice (always, or with thinking on) or the schema is not an object schema — then the instruction
///   and the schema go into the system prompt;</item>
/// <item><c>tool_choice</c> / <c>function_call</c> / <c>parallel_tool_calls</c>;</item>
/// <item>sampling: <c>temperature</c> above 1 is clamped to 1.0 (Anthropic's range is 0–1, OpenAI's 0–2);
///   per-model rules drop what the model rejects (exclusive temperature/top_p keeps temperature);</item>
/// <item><c>max_tokens</c>, <c>stop</c>, <c>user</c>, <c>stream</c>; unsupported OpenAI knobs noted.</item>
/// </list>
/// Everything dropped or adapted is recorded in <see cref="RequestTranslation.Adjustments"/>. Thread-safe: all
/// per-request state lives in locals.
/// </summary>
public sealed class ChatToMessagesRequestTranslator
{
    public const string JsonObjectInstruction =
        "Respond with a single valid JSON object only: no prose, no explanations, no Markdown code fences.";
    public const string DefaultJsonToolName = "json_response";

    private readonly ModelCatalogue _catalogue;
    private readonly TranslationOptions _options;

    public ChatToMessagesRequestTranslator(ModelCatalogue catalogue, TranslationOptions options)
    {
        _catalogue = catalogue ?? throw new ArgumentNullException(nameof(catalogue));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>Both steps at once, for a model known up front: <see cref="ToCanonical"/> then <see cref="ApplyModelRules"/>.</summary>
    /// <param name="thinking">Stored thinking by tool-call id, loaded by the caller before translating
    /// (<see cref="ThinkingPrefetch.LoadAsync(IThinkingStore, ChatCompletionRequest, CancellationToken)"/>); null: none.</param>
    public RequestTranslation Translate(ChatCompletionRequest request, string upstreamModel, IReadOnlyDictionary<string, StoredThinking>? thinking = null) =>
        ApplyModelRules(ToCanonical(request), upstreamModel, thinking);

    /// <summary>
    /// Step one, before any model is chosen: the conversation as a Messages request (steps 1-3 and stop, user, unsupported
    /// knobs). Nothing here depends on the model, so the policy layer can shape and route the result.
    /// </summary>
    public CanonicalRequest ToCanonical(ChatCompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var adjustments = new List<string>();
        var result = new MessagesRequest { Model = "", Stream = request.Stream == true ? true : null };

        // 1. What cannot be fixed.
        if (request.N is > 1)
            throw GatewayException.BadRequest("n > 1 is not supported: Claude returns one choice per request.", "n", "unsupported_value");
        if (request.N is < 1)
            throw GatewayException.BadRequest("n must be at least 1.", "n", "invalid_value");
        if (request.Messages is null or { Count: 0 })
            throw GatewayException.BadRequest("'messages' must contain at least one message.", "messages", "empty_array");

        // 2. Tools.
        var names = new ToolNameMap();
        var legacy = request.Functions is { Count: > 0 } && request.Tools is not { Count: > 0 };
        result.Tools = MapTools(request, legacy, names, adjustments);

        // 3. History.
        var history = new MessageHistoryMapper(names, new ToolCallIdMap(), adjustments);
        history.Map(request.Messages);
        result.Messages = history.Messages;
        result.System = history.System;
        AddToolsUsedOnlyInHistory(result, names, request, adjustments);

        // 8 (model-independent part). stop, user, unsupported knobs.
        result.StopSequences = MapStop(request.Stop, adjustments);
        if (!string.IsNullOrWhiteSpace(request.User))
            result.Metadata = new MessagesRequestMetadata { UserId = request.User.Length <= 256 ? request.User : request.User[..256] };
        NoteUnsupported(request, adjustments);

        var intent = new ClientIntent(request.Model, request.MaxCompletionTokens ?? request.MaxTokens, request.Temperature, request.TopP,
            request.Stream == true, request.ReasoningEffort);
        var canonical = new CanonicalRequest(result, intent, names.ChangedToClient, history.BlockOrigins, history.StrayResults.Count > 0 ? history.StrayResults : null, new IngressState(request, names, legacy, history.ClientToolCallIds));
        canonical.Adjustments.AddRange(adjustments);
        return canonical;
    }

    /// <summary>
    /// Step two, once the model is final (after the policy layer routed it): the model's parameter rules on the canonical
    /// request, in place — thinking (restoring stored thinking blocks), response_format, tool_choice, sampling, max_tokens, and
    /// the placeholder turns the model needs. Call once per canonical request.
    /// </summary>
    /// <param name="thinking">Stored thinking by tool-call id, loaded before (<see cref="ThinkingPrefetch"/>); null: none.</param>
    public RequestTranslation ApplyModelRules(CanonicalRequest canonical, string upstreamModel, IReadOnlyDictionary<string, StoredThinking>? thinking = null)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        ArgumentException.ThrowIfNullOrWhiteSpace(upstreamModel);
        if (canonical.IngressState is not IngressState state)
            throw new ArgumentException("This canonical request was not built by the Chat Completions ingress.", nameof(canonical));
        var request = state.Request;
        var names = state.Names;
        var legacy = state.Legacy;
        var adjustments = canonical.Adjustments;
        var known = _catalogue.TryGet(upstreamModel, out var entry);
        var rules = known ? entry.Rules : ModelParameterRules.Unknown;
        var result = canonical.Request;
        result.Model = upstreamModel;
        var system = result.System ?? [];

        // 4. Thinking.
        var thinkingOn = ApplyThinking(request, result, state.ClientToolCallIds, rules, upstreamModel, thinking ?? ThinkingPrefetch.None, adjustments, out var budget);
        var forcedAllowed = !rules.ForcedToolChoiceRejected && !(thinkingOn && rules.ForcedToolChoiceWithThinkingRejected);

        // 5. response_format.
        var jsonToolName = ApplyResponseFormat(request.ResponseFormat, result, names, system, forcedAllowed, adjustments);

        // 6. tool_choice.
        if (jsonToolName is null) ApplyToolChoice(request, legacy, result, names, forcedAllowed, thinkingOn, adjustments);
        else if (request.ToolChoice is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } || request.FunctionCall is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
            adjustments.Add("tool_choice ignored: response_format json_schema forces the JSON tool");
        if (request.ParallelToolCalls == false && result.Tools is { Count: > 0 })
        {
            result.ToolChoice ??= new MessagesRequestToolChoice { Type = "auto" };
            if (result.ToolChoice.Type != "none") result.ToolChoice.DisableParallelToolUse = true;
        }

        // 7. Sampling.
        ApplySampling(request, result, rules, thinkingOn, adjustments);

        // 8. Limits.
        ApplyMaxTokens(request, result, known ? entry.MaxOutputTokens : (int?)null, budget, adjustments);

        if (result.Messages.Count == 0)
        {
            result.Messages.Add(MessageHistoryMapper.PlaceholderUser("(no user message)"));
            adjustments.Add("no user or assistant message; a placeholder user message was sent");
        }
        if (result.Messages[^1].Role == "assistant" && (rules.AssistantPrefillRejected || thinkingOn))
        {
            result.Messages.Add(MessageHistoryMapper.PlaceholderUser("Continue."));
            adjustments.Add("final assistant message (prefill) is not accepted by this model; a user turn 'Continue.' was added");
        }
        result.System = system.Count > 0 ? system : null;

        var shaping = new ResponseShaping(
            upstreamModel,
            LegacyFunctions: legacy,
            JsonModeToolName: jsonToolName,
            IncludeUsage: request.StreamOptions?.IncludeUsage == true,
            ToolNamesToClient: names.ChangedToClient.Count > 0 ? names.ChangedToClient : null);
        return new RequestTranslation(result, shaping, adjustments);
    }

    /// <summary>What <see cref="ToCanonical"/> keeps for <see cref="ApplyModelRules"/>.</summary>
    private sealed record IngressState(ChatCompletionRequest Request, ToolNameMap Names, bool Legacy,
        IReadOnlyDictionary<MessagesRequestMessage, List<string>> ClientToolCallIds);

    private static List<MessagesRequestTool>? MapTools(ChatCompletionRequest request, bool legacy, ToolNameMap names, List<string> adjustments)
    {
        var defs = new List<(ChatCompletionRequestFunction Fn, string Param)>();
        if (legacy)
            for (var i = 0; i < request.Functions!.Count; i++) defs.Add((request.Functions[i], $"functions[{i}]"));
        else if (request.Tools is { } tools)
        {
            if (request.Functions is { Count: > 0 }) adjustments.Add("functions ignored: tools was also given");
            for (var i = 0; i < tools.Count; i++)
            {
                var t = tools[i];
                if ((t.Type ?? "function") != "function" || t.Function is null)
                {
                    adjustments.Add($"tools[{i}]: tool type '{t.Type}' is not supported; dropped");
                    continue;
                }
                defs.Add((t.Function, $"tools[{i}].function"));
            }
        }
        if (defs.Count == 0) return null;

        var mapped = new List<MessagesRequestTool>();
        foreach (var (fn, param) in defs)
        {
            var clientName = fn.Name!;
            if (names.Contains(clientName))
            {
                adjustments.Add($"{param}: duplicate tool name '{clientName}' dropped");
                continue;
            }
            var name = names.ToUpstream(clientName);
            if (name != clientName) adjustments.Add($"{param}: tool name '{clientName}' sent as '{name}'");
            var schema = SchemaNormalizer.ToInputSchema(fn.Parameters, out var problem);
            if (problem is not null) adjustments.Add($"{param}: {problem}");
            mapped.Add(new MessagesRequestTool { Name = name, Description = string.IsNullOrWhiteSpace(fn.Description) ? null : fn.Description, InputSchema = schema });
        }
        return mapped;
    }

    /// <summary>History may use tools the request no longer defines; Anthropic needs a definition for every tool_use name.</summary>
    private static void AddToolsUsedOnlyInHistory(MessagesRequest result, ToolNameMap names, ChatCompletionRequest request, List<string> adjustments)
    {
        var defined = new HashSet<string>((result.Tools ?? []).Select(t => t.Name), StringComparer.Ordinal);
        var hadTools = result.Tools is { Count: > 0 };
        foreach (var block in result.Messages.SelectMany(m => m.Content))
        {
            if (block.Type != "tool_use" || block.Name is null || !defined.Add(block.Name)) continue;
            (result.Tools ??= []).Add(new MessagesRequestTool
            {
                Name = block.Name,
                Description = "Tool used earlier in this conversation.",
                InputSchema = SchemaNormalizer.EmptyObjectSchema,
            });
            adjustments.Add($"tool '{block.Name}' used in history but not defined; a placeholder definition was sent");
        }
        if (!hadTools && result.Tools is { Count: > 0 } && request.ToolChoice is null && request.FunctionCall is null)
            result.ToolChoice = new MessagesRequestToolChoice { Type = "none" };
    }

    private bool ApplyThinking(ChatCompletionRequest request, MessagesRequest result,
        IReadOnlyDictionary<MessagesRequestMessage, List<string>> clientToolCallIds,
        ModelParameterRules rules, string model, IReadOnlyDictionary<string, StoredThinking> stored, List<string> adjustments, out int? budget)
    {
        budget = null;
        var effort = request.ReasoningEffort?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(effort)) effort = null;
        if (effort is not (null or "none" or "minimal" or "low" or "medium" or "high" or "xhigh"))
            throw GatewayException.BadRequest($"Invalid value for 'reasoning_effort': '{request.ReasoningEffort}'. Expected none, minimal, low, medium, high or xhigh.", "reasoning_effort", "invalid_value");

        if (rules.Thinking == ThinkingMode.None)
        {
            if (effort is not (null or "none")) adjustments.Add($"reasoning_effort '{effort}' ignored: {model} has no extended thinking");
            return false;
        }

        var wantOn = effort is not (null or "none");
        bool on;
        if (effort == "none")
        {
            switch (rules.ThinkingDefault)
            {
                case ThinkingDefault.On: result.Thinking = new MessagesRequestThinking { Type = "disabled" }; return false;
                case ThinkingDefault.Always:
                    adjustments.Add($"reasoning_effort 'none': {model} always thinks; effort set to low");
                    if (rules.EffortSupported) result.OutputConfig = new MessagesRequestOutputConfig { Effort = "low" };
                    on = true;
                    break;
                default: return false;
            }
        }
        else on = wantOn || rules.ThinkingDefault != ThinkingDefault.Off;
        if (!on) return false;

        // Thinking on: the last assistant turn with tool_use needs its thinking blocks back (signature intact).
        var restoredLast = RestoreThinking(result.Messages, clientToolCallIds, model, stored, out var lastToolTurn);
        if (lastToolTurn is not null && !restoredLast)
        {
            if (rules.ThinkingDefault == ThinkingDefault.Always)
            {
                FlattenToolTurn(result.Messages, lastToolTurn);
                adjustments.Add("thinking for the last tool call could not be restored and this model always thinks; that tool exchange was sent as text");
            }
            else
            {
                StripThinking(result.Messages);
                if (rules.ThinkingDefault == ThinkingDefault.On) result.Thinking = new MessagesRequestThinking { Type = "disabled" };
                else result.Thinking = null;
                result.OutputConfig = null;
                adjustments.Add("thinking turned off: the thinking that preceded the last tool call is not available (needed by the API)");
                return false;
            }
        }

        if (!wantOn) return true; // model default (on/always): nothing to send beyond what was set above
        if (rules.Thinking == ThinkingMode.Adaptive)
        {
            result.Thinking = new MessagesRequestThinking { Type = "adaptive" };
            if (rules.EffortSupported) result.OutputConfig = new MessagesRequestOutputConfig { Effort = effort switch { "minimal" or "low" => "low", "medium" => "medium", _ => "high" } };
            return true;
        }
        budget = effort switch { "minimal" => 1024, "low" => 2048, "medium" => 8192, "high" => 16384, _ => 32768 };
        result.Thinking = new MessagesRequestThinking { Type = "enabled", BudgetTokens = budget };
        return true;
    }

    /// <summary>Prepends stored thinking to every assistant tool turn that has it. True when the last such turn was restored.</summary>
    /// <summary>
    /// Thinking signatures are valid only for the model that wrote them; an undated alias (claude-sonnet-4-5) and its
    /// snapshot id (claude-sonnet-4-5-20250929, what the upstream reports) are the same model.
    /// </summary>
    private bool SameModel(string stored, string requested) =>
        string.Equals(stored, requested, StringComparison.OrdinalIgnoreCase)
        || (_catalogue.TryGet(stored, out var a) && _catalogue.TryGet(requested, out var b) && ReferenceEquals(a, b));

    private bool RestoreThinking(List<MessagesRequestMessage> messages, IReadOnlyDictionary<MessagesRequestMessage, List<string>> clientToolCallIds,
        string model, IReadOnlyDictionary<string, StoredThinking> stored, out MessagesRequestMessage? lastToolTurn)
    {
        lastToolTurn = null;
        var lastAssistant = messages.LastOrDefault(m => m.Role == "assistant");
        var restoredLast = false;
        foreach (var message in messages)
        {
            if (!clientToolCallIds.TryGetValue(message, out var clientIds)) continue;
            if (!message.Content.Any(b => b.Type == "tool_use")) continue;
            StoredThinking? found = null;
            foreach (var id in clientIds)
                if (stored.TryGetValue(id, out var t) && t is not null && SameModel(t.Model, model) && t.Blocks.Count > 0)
                { found = t; break; }
            if (found is not null)
                message.Content.InsertRange(0, found.Blocks.Select(b => b.Type == "redacted_thinking"
                    ? new MessagesRequestContentBlock { Type = "redacted_thinking", Data = b.Data }
                    : new MessagesRequestContentBlock { Type = "thinking", Thinking = b.Thinking ?? "", Signature = b.Signature }));
            if (ReferenceEquals(message, lastAssistant)) { lastToolTurn = message; restoredLast = found is not null; }
        }
        return restoredLast;
    }

    private static void StripThinking(List<MessagesRequestMessage> messages)
    {
        foreach (var m in messages) m.Content.RemoveAll(b => b.Type is "thinking" or "redacted_thinking");
    }

    /// <summary>Rewrites one assistant tool turn and its results as plain text (no tool_use left to need thinking).</summary>
    private static void FlattenToolTurn(List<MessagesRequestMessage> messages, MessagesRequestMessage turn)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < turn.Content.Count; i++)
        {
            var b = turn.Content[i];
            if (b.Type != "tool_use") continue;
            ids.Add(b.Id!);
            turn.Content[i] = MessagesRequestContentBlock.TextBlock($"[Called tool {b.Name} (id {b.Id}) with input {b.Input?.GetRawText() ?? "{}"}]");
        }
        var index = messages.IndexOf(turn);
        if (index + 1 >= messages.Count) return;
        var next = messages[index + 1].Content;
        for (var i = 0; i < next.Count; i++)
        {
            var b = next[i];
            if (b.Type != "tool_result" || !ids.Contains(b.ToolUseId!)) continue;
            var text = string.Join("\n", (b.Content ?? []).Where(c => c.Type == "text").Select(c => c.Text));
            next[i] = MessagesRequestContentBlock.TextBlock($"[Result of tool call {b.ToolUseId}{(b.IsError == true ? " (error)" : "")}]\n{(text.Length == 0 ? MessageHistoryMapper.EmptyResultText : text)}");
        }
    }

    private static string? ApplyResponseFormat(JsonElement? format, MessagesRequest result, ToolNameMap names,
        List<MessagesRequestContentBlock> system, bool forcedAllowed, List<string> adjustments)
    {
        if (format is not { ValueKind: JsonValueKind.Object } f) return null;
        var type = f.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case null or "text": return null;
            case "json_object":
                system.Add(MessagesRequestContentBlock.TextBlock(JsonObjectInstruction));
                adjustments.Add("response_format json_object: sent as a system instruction");
                return null;
            case "json_schema":
                var js = f.TryGetProperty("json_schema", out var j) && j.ValueKind == JsonValueKind.Object ? j : default;
                var schemaName = js.ValueKind == JsonValueKind.Object && js.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(n.GetString())
                    ? n.GetString()! : DefaultJsonToolName;
                JsonElement? schema = js.ValueKind == JsonValueKind.Object && js.TryGetProperty("schema", out var s) ? s : null;
                var objectSchema = schema is null || SchemaNormalizer.IsObjectSchema(schema.Value);
                if (forcedAllowed && objectSchema)
                {
                    var upstream = ToolNameMap.Sanitize(schemaName);
                    for (var k = 2; names.IsUpstreamNameTaken(upstream); k++) upstream = ToolNameMap.Sanitize(schemaName) + "_" + k.ToString(CultureInfo.InvariantCulture);
                    (result.Tools ??= []).Add(new MessagesRequestTool
                    {
                        Name = upstream,
                        Description = "Give the final answer by calling this tool; its input is the answer, matching the schema exactly.",
                        InputSchema = SchemaNormalizer.ToInputSchema(schema, out _),
                    });
                    result.ToolChoice = new MessagesRequestToolChoice { Type = "tool", Name = upstream };
                    adjustments.Add($"response_format json_schema '{schemaName}': honoured by forcing tool '{upstream}'");
                    return upstream;
                }
                var schemaText = schema?.GetRawText() ?? "{}";
                system.Add(MessagesRequestContentBlock.TextBlock(
                    $"{JsonObjectInstruction} The JSON must conform to this JSON Schema (name: {schemaName}):\n{schemaText}"));
                adjustments.Add($"response_format json_schema '{schemaName}': sent as a system instruction with the schema ({(objectSchema ? "this model rejects forced tool use here" : "the schema is not an object schema")})");
                return null;
            default:
                adjustments.Add($"response_format type '{type}' is not supported; ignored");
                return null;
        }
    }

    private static void ApplyToolChoice(ChatCompletionRequest request, bool legacy, MessagesRequest result, ToolNameMap names,
        bool forcedAllowed, bool thinkingOn, List<string> adjustments)
    {
        // Legacy requests (and requests without tool_choice) steer tool use with function_call.
        var fromFunctionCall = legacy || request.ToolChoice is null or { ValueKind: JsonValueKind.Null };
        var choice = fromFunctionCall ? request.FunctionCall : request.ToolChoice;
        var param = fromFunctionCall && request.FunctionCall is not null ? "function_call" : "tool_choice";
        if (choice is not { } c || c.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return;
        if (result.Tools is not { Count: > 0 } || request.Tools is not { Count: > 0 } && request.Functions is not { Count: > 0 })
        {
            adjustments.Add($"{param} dropped: the request defines no tools");
            return;
        }

        string type; string? name = null;
        if (c.ValueKind == JsonValueKind.String)
        {
            type = c.GetString() switch
            {
                "none" => "none",
                "auto" => "auto",
                "required" or "any" => "any",
                var other => throw GatewayException.BadRequest($"Invalid value for '{param}': '{other}'.", param, "invalid_value"),
            };
        }
        else if (c.ValueKind == JsonValueKind.Object)
        {
            var fnName = c.TryGetProperty("function", out var fn) && fn.ValueKind == JsonValueKind.Object && fn.TryGetProperty("name", out var fnN) ? fnN.GetString()
                : c.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (string.IsNullOrEmpty(fnName))
                throw GatewayException.BadRequest($"'{param}' must name a function.", param, "invalid_value");
            if (!names.Contains(fnName) || !result.Tools.Any(t => t.Name == names.ToUpstream(fnName)))
                throw GatewayException.BadRequest($"'{param}' names function '{fnName}', which is not in {(legacy ? "functions" : "tools")}.", param, "invalid_value");
            type = "tool";
            name = names.ToUpstream(fnName);
        }
        else throw GatewayException.BadRequest($"Invalid type for '{param}'.", param, "invalid_type");

        if (type is "any" or "tool" && !forcedAllowed)
        {
            adjustments.Add($"{param} '{(name ?? "required")}' sent as auto: {(thinkingOn ? "forced tool use is not allowed with thinking on this model" : "this model rejects forced tool use")}");
            type = "auto";
            name = null;
        }
        result.ToolChoice = new MessagesRequestToolChoice { Type = type, Name = name };
    }

    private static void ApplySampling(ChatCompletionRequest request, MessagesRequest result, ModelParameterRules rules, bool thinkingOn, List<string> adjustments)
    {
        double? temperature = request.Temperature, topP = request.TopP;
        int? topK = request.TopK;
        if (temperature is < 0 or > 2)
            throw GatewayException.BadRequest($"Invalid 'temperature': {temperature}. Expected a number from 0 to 2.", "temperature", "invalid_value");
        if (topP is < 0 or > 1)
            throw GatewayException.BadRequest($"Invalid 'top_p': {topP}. Expected a number from 0 to 1.", "top_p", "invalid_value");
        if (topK is < 0)
            throw GatewayException.BadRequest($"Invalid 'top_k': {topK}.", "top_k", "invalid_value");

        if (temperature > 1)
        {
            adjustments.Add($"temperature {F(temperature.Value)} clamped to 1.0 (Anthropic range is 0-1)");
            temperature = 1.0;
        }
        if (rules.SamplingParamsRejected)
        {
            if (temperature is not null) adjustments.Add($"temperature {F(temperature.Value)} dropped: {result.Model} rejects sampling parameters");
            if (topP is not null) adjustments.Add($"top_p {F(topP.Value)} dropped: {result.Model} rejects sampling parameters");
            if (topK is not null) adjustments.Add($"top_k {topK} dropped: {result.Model} rejects sampling parameters");
            return;
        }
        if (thinkingOn)
        {
            // Extended thinking: temperature and top_k cannot be modified; top_p only within 0.95-1.
            if (temperature is not null) { adjustments.Add($"temperature {F(temperature.Value)} dropped: not compatible with thinking"); temperature = null; }
            if (topK is not null) { adjustments.Add($"top_k {topK} dropped: not compatible with thinking"); topK = null; }
            if (topP is < 0.95) { adjustments.Add($"top_p {F(topP.Value)} dropped: thinking allows only 0.95-1"); topP = null; }
        }
        if (rules.TemperatureAndTopPExclusive && temperature is not null && topP is not null)
        {
            adjustments.Add($"top_p {F(topP.Value)} dropped: {result.Model} accepts temperature or top_p, not both");
            topP = null;
        }
        result.Temperature = temperature;
        result.TopP = topP;
        result.TopK = topK;
    }

    private void ApplyMaxTokens(ChatCompletionRequest request, MessagesRequest result, int? modelMax, int? budget, List<string> adjustments)
    {
        var param = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var requested = request.MaxCompletionTokens ?? request.MaxTokens;
        if (requested is < 1)
            throw GatewayException.BadRequest($"Invalid '{param}': {requested}. Expected at least 1.", param, "invalid_value");
        var max = requested ?? _options.DefaultMaxTokens;
        if (modelMax is { } cap && max > cap)
        {
            adjustments.Add($"{param} {max} capped at {cap} ({result.Model} max output)");
            max = cap;
        }
        if (budget is { } b)
        {
            if (max <= b)
            {
                var raised = modelMax is { } c2 ? Math.Min(c2, b + max) : b + max;
                adjustments.Add($"max_tokens raised from {max} to {raised} to fit the thinking budget of {b}");
                max = raised;
            }
            if (max <= b)
            {
                var fitted = max - 1024;
                if (fitted >= 1024)
                {
                    adjustments.Add($"thinking budget lowered from {b} to {fitted} to fit max_tokens {max}");
                    result.Thinking!.BudgetTokens = fitted;
                }
                else
                {
                    adjustments.Add($"thinking turned off: max_tokens {max} leaves no room for the minimum budget");
                    result.Thinking = null;
                }
            }
        }
        result.MaxTokens = max;
    }

    private static List<string>? MapStop(JsonElement? stop, List<string> adjustments)
    {
        if (stop is not { } s || s.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        var values = new List<string>();
        if (s.ValueKind == JsonValueKind.String) values.Add(s.GetString()!);
        else if (s.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in s.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String)
                    throw GatewayException.BadRequest("Invalid 'stop': expected a string or an array of strings.", "stop", "invalid_type");
                values.Add(e.GetString()!);
            }
        }
        else throw GatewayException.BadRequest("Invalid 'stop': expected a string or an array of strings.", "stop", "invalid_type");

        var kept = new List<string>();
        foreach (var v in values)
        {
            if (string.IsNullOrWhiteSpace(v)) { adjustments.Add("stop: whitespace-only stop sequence dropped (Anthropic rejects it)"); continue; }
            if (!kept.Contains(v)) kept.Add(v);
        }
        return kept.Count > 0 ? kept : null;
    }

    private static void NoteUnsupported(ChatCompletionRequest r, List<string> adjustments)
    {
        if (r.PresencePenalty is { } pp && pp != 0) adjustments.Add("presence_penalty ignored (not supported by Anthropic)");
        if (r.FrequencyPenalty is { } fp && fp != 0) adjustments.Add("frequency_penalty ignored (not supported by Anthropic)");
        if (r.LogitBias is { ValueKind: JsonValueKind.Object } lb && lb.EnumerateObject().Any()) adjustments.Add("logit_bias ignored (not supported by Anthropic)");
        if (r.Logprobs == true) adjustments.Add("logprobs ignored (not supported by Anthropic)");
        if (r.Seed is not null) adjustments.Add("seed ignored (not supported by Anthropic)");
    }

    private static string F(double d) => d.ToString("0.0##", CultureInfo.InvariantCulture);
}
