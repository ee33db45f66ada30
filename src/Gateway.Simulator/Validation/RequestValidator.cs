using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Gateway.Simulator.Validation.JsonChecks;

namespace Gateway.Simulator.Validation;

/// <summary>
/// Validates a Messages API request body the way the real API does, one request per instance
/// (not thread-safe; it counts cache breakpoints and images as it walks).
/// Steps:
///  1. top-level shape: object, no extra fields, required fields and their types;
///  2. model lookup (404 for unknown ids), max_tokens against the model's output limit;
///  3. system, metadata, stop_sequences, sampling parameters, tools, tool_choice, thinking, output_config;
///  4. per-model parameter rules (sampling removed, temperature xor top_p, thinking modes, forced tool use);
///  5. messages: roles, content blocks, empty content, prefill rules;
///  6. conversation rules: tool_use / tool_result pairing, thinking before the last tool_use, signatures;
///  7. cache_control breakpoint count (TTL order and the top-level breakpoint: Caching/PromptLayout.cs).
/// </summary>
internal sealed partial class RequestValidator(ThinkingSigner signer, bool countTokens = false)
{
    private static readonly FrozenSet<string> TopLevelFields = FrozenSet.ToFrozenSet(
    [
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature",
        "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier", "output_config", "container",
        "context_management", "mcp_servers", "inference_geo", "cache_control",
    ]);

    private static readonly FrozenSet<string> CountTokensFields = FrozenSet.ToFrozenSet(
    [
        "model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "context_management", "mcp_servers", "cache_control",
    ]);

    private static readonly FrozenSet<string> MetadataFields = FrozenSet.ToFrozenSet(["user_id"]);
    private static readonly FrozenSet<string> CustomToolFields = FrozenSet.ToFrozenSet(
        ["type", "name", "description", "input_schema", "cache_control", "strict", "input_examples", "defer_loading", "allowed_callers", "eager_input_streaming"]);
    private static readonly FrozenSet<string> ToolChoiceAutoFields = FrozenSet.ToFrozenSet(["type", "disable_parallel_tool_use"]);
    private static readonly FrozenSet<string> ToolChoiceToolFields = FrozenSet.ToFrozenSet(["type", "name", "disable_parallel_tool_use"]);
    private static readonly FrozenSet<string> TypeOnly = FrozenSet.ToFrozenSet(["type"]);
    private static readonly FrozenSet<string> ThinkingEnabledFields = FrozenSet.ToFrozenSet(["type", "budget_tokens", "display"]);
    private static readonly FrozenSet<string> ThinkingAdaptiveFields = FrozenSet.ToFrozenSet(["type", "display"]);
    private static readonly FrozenSet<string> OutputConfigFields = FrozenSet.ToFrozenSet(["effort", "format"]);

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,128}$")]
    private static partial Regex ToolNamePattern();

    private const string ThinkingDocs = "Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

    private int _cacheControls;
    private int _images;
    private SimulatedModel _model = null!;

    public ValidatedRequest Validate(JsonElement root)
    {
        // 1. Shape.
        if (root.ValueKind != JsonValueKind.Object) throw Fail("", "Input should be a valid dictionary or object to extract fields from");
        NoExtra(root, "", countTokens ? CountTokensFields : TopLevelFields);
        var modelId = String(Req(root, "model", ""), "model");
        var messages = Req(root, "messages", "");
        Array(messages, "messages");
        long maxTokens = 0;
        if (!countTokens) maxTokens = Int(Req(root, "max_tokens", ""), "max_tokens");

        // 2. Model.
        _model = SimulatedModels.Find(modelId) ?? throw new ApiErrorException(404, "not_found_error", "model: " + modelId);
        if (!countTokens)
        {
            if (maxTokens < 1) throw Fail("max_tokens", "Input should be greater than or equal to 1");
            if (maxTokens > _model.MaxOutputTokens)
                throw Fail("max_tokens", $"{maxTokens} > {_model.MaxOutputTokens}, which is the maximum allowed number of output tokens for {modelId}");
        }

        // 3. Everything but messages.
        if (Opt(root, "system") is { } system) System(system);
        if (Opt(root, "metadata") is { } metadata) Metadata(metadata);
        var stops = Opt(root, "stop_sequences") is { } s ? StopSequences(s) : [];
        var stream = Opt(root, "stream") is { } st && Bool(st, "stream");
        double? temperature = Opt(root, "temperature") is { } t ? Number(t, "temperature") : null;
        double? topP = Opt(root, "top_p") is { } p ? Number(p, "top_p") : null;
        long? topK = Opt(root, "top_k") is { } k ? Int(k, "top_k") : null;
        if (temperature is { } tv) Range(tv, 0, 1, "temperature");
        if (topP is { } pv) Range(pv, 0, 1, "top_p");
        if (topK is { } kv) Range(kv, 0, double.MaxValue, "top_k");
        var tools = Opt(root, "tools") is { } tl ? Tools(tl) : [];
        var forcedTool = Opt(root, "tool_choice") is { } tc && ToolChoice(tc, tools);
        var thinkingType = Opt(root, "thinking") is { } th ? Thinking(th, maxTokens) : null;
        if (Opt(root, "output_config") is { } oc) OutputConfig(oc);
        if (Opt(root, "service_tier") is { } tier) Enum(tier, "service_tier", "auto", "standard_only");
        // Automatic caching: its slot and edge cases are checked by the prompt layout (Caching/PromptLayout.cs).
        if (Opt(root, "cache_control") is { } auto) CacheControl(auto, "cache_control", count: false);

        // 4. Per-model parameter rules.
        var thinkingOn = thinkingType switch
        {
            "enabled" or "adaptive" => true,
            "disabled" => false,
            _ => _model.ThinkingDefault != ThinkingDefault.Off,
        };
        SamplingRules(temperature, topP, topK, thinkingOn);
        if (thinkingOn && forcedTool) throw Fail("", "Thinking may not be enabled when `tool_choice` forces tool use.");

        // 5 + 6. Messages and the conversation.
        Messages(messages);
        Conversation(messages, thinkingType == "enabled");

        // 7. Cache breakpoints.
        if (_cacheControls > 4) throw Fail("", $"A maximum of 4 blocks with cache_control may be provided. Found {_cacheControls}.");

        return new ValidatedRequest(_model, modelId, maxTokens, stream, messages, tools, thinkingOn, stops, TokenEstimator.Input(root, _images));
    }

    private void System(JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String) return;
        if (system.ValueKind != JsonValueKind.Array) throw Fail("system", "Input should be a valid string or a valid list");
        var i = 0;
        foreach (var block in system.EnumerateArray())
        {
            var path = Join("system", i++);
            Object(block, path);
            Enum(Req(block, "type", path), Join(path, "type"), "text");
            Text(block, path);
            if (Opt(block, "cache_control") is { } cc) CacheControl(cc, Join(path, "cache_control"));
        }
    }

    private static void Metadata(JsonElement metadata)
    {
        Object(metadata, "metadata");
        NoExtra(metadata, "metadata", MetadataFields);
        if (Opt(metadata, "user_id") is { } uid && String(uid, "metadata.user_id").Length > 256)
            throw Fail("metadata.user_id", "String should have at most 256 characters");
    }

    private static List<string> StopSequences(JsonElement stops)
    {
        Array(stops, "stop_sequences");
        var list = new List<string>();
        var i = 0;
        foreach (var s in stops.EnumerateArray())
        {
            var value = String(s, Join("stop_sequences", i++));
            if (string.IsNullOrWhiteSpace(value)) throw Fail("stop_sequences", "each stop sequence must contain non-whitespace");
            list.Add(value);
        }
        return list;
    }

    private List<ToolSpec> Tools(JsonElement tools)
    {
        Array(tools, "tools");
        var list = new List<ToolSpec>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = Join("tools", i++);
            Object(tool, path);
            var type = Opt(tool, "type") is { } tt ? String(tt, Join(path, "type")) : "custom";
            string name;
            JsonElement? schema = null;
            if (type == "custom")
            {
                path = Join(path, "custom");
                NoExtra(tool, path, CustomToolFields);
                name = String(Req(tool, "name", path), Join(path, "name"));
                if (!ToolNamePattern().IsMatch(name)) throw Fail(Join(path, "name"), "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
                if (Opt(tool, "description") is { } d) String(d, Join(path, "description"));
                var s = Req(tool, "input_schema", path);
                Object(s, Join(path, "input_schema"));
                var st = Opt(s, "type") ?? throw Fail(Join(path, "input_schema.type"), "Field required");
                Enum(st, Join(path, "input_schema.type"), "object");
                if (Opt(tool, "strict") is { } strict) Bool(strict, Join(path, "strict"));
                schema = s;
            }
            else
            {
                // Server and client-defined Anthropic tools (web_search_20250305, bash_20250124, ...):
                // versioned type plus a fixed name; their own fields are not checked here.
                if (!ServerToolType().IsMatch(type))
                    throw Fail(Join(path, "type"), $"Input tag '{type}' found using 'type' does not match any of the expected tags");
                name = String(Req(tool, "name", path), Join(path, "name"));
            }
            if (Opt(tool, "cache_control") is { } cc) CacheControl(cc, Join(path, "cache_control"));
            if (!names.Add(name)) throw Fail("tools", "Tool names must be unique.");
            list.Add(new ToolSpec(name, schema));
        }
        return list;
    }

    [GeneratedRegex("^[a-z_]+_[0-9]{8}$")]
    private static partial Regex ServerToolType();

    /// <summary>Returns true when the choice forces tool use (<c>any</c> or <c>tool</c>).</summary>
    private static bool ToolChoice(JsonElement choice, List<ToolSpec> tools)
    {
        Object(choice, "tool_choice");
        var type = Enum(Req(choice, "type", "tool_choice"), "tool_choice.type", "auto", "any", "tool", "none");
        var path = Join("tool_choice", type);
        NoExtra(choice, path, type switch { "tool" => ToolChoiceToolFields, "none" => TypeOnly, _ => ToolChoiceAutoFields });
        if (Opt(choice, "disable_parallel_tool_use") is { } dp) Bool(dp, Join(path, "disable_parallel_tool_use"));
        if (type is "any" or "tool" && tools.Count == 0) throw Fail("", "tool_choice may only be specified while providing tools.");
        if (type == "tool")
        {
            var name = String(Req(choice, "name", path), Join(path, "name"));
            if (!tools.Exists(t => t.Name == name)) throw Fail("tool_choice.name", $"Tool '{name}' not found in provided tools");
        }
        return type is "any" or "tool";
    }

    /// <summary>Returns the thinking type after checking it against the model.</summary>
    private string Thinking(JsonElement thinking, long maxTokens)
    {
        Object(thinking, "thinking");
        var type = Enum(Req(thinking, "type", "thinking"), "thinking.type", "enabled", "disabled", "adaptive");
        var path = Join("thinking", type);
        NoExtra(thinking, path, type switch { "enabled" => ThinkingEnabledFields, "adaptive" => ThinkingAdaptiveFields, _ => TypeOnly });
        if (Opt(thinking, "display") is { } display) Enum(display, Join(path, "display"), "summarized", "omitted");
        switch (type)
        {
            case "enabled":
                var budget = Int(Req(thinking, "budget_tokens", path), Join(path, "budget_tokens"));
                if (budget < 1024) throw Fail(Join(path, "budget_tokens"), "Input should be greater than or equal to 1024");
                if (_model.Thinking == ThinkingSupport.None) throw Fail("thinking", $"'{_model.Id}' does not support thinking.");
                if (_model.Thinking == ThinkingSupport.AdaptiveOnly)
                    throw Fail("", "\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking behavior.");
                if (!countTokens && budget >= maxTokens)
                    throw Fail("", "`max_tokens` must be greater than `thinking.budget_tokens`. " + ThinkingDocs + "#max-tokens-and-context-window-size");
                break;
            case "adaptive":
                if (_model.Thinking == ThinkingSupport.None) throw Fail("thinking", $"'{_model.Id}' does not support thinking.");
                if (_model.Thinking == ThinkingSupport.Budget)
                    throw Fail("", "\"thinking.type.adaptive\" is not supported for this model. Use \"thinking.type.enabled\" with \"budget_tokens\" instead.");
                break;
            case "disabled":
                if (_model.ThinkingDefault == ThinkingDefault.Always)
                    throw Fail("", "\"thinking.type.disabled\" is not supported for this model.");
                break;
        }
        return type;
    }

    private void OutputConfig(JsonElement config)
    {
        Object(config, "output_config");
        NoExtra(config, "output_config", OutputConfigFields);
        if (Opt(config, "effort") is { } effort)
        {
            Enum(effort, "output_config.effort", "low", "medium", "high", "xhigh", "max");
            if (_model.Thinking is ThinkingSupport.None or ThinkingSupport.Budget && !_model.CanonicalId.StartsWith("claude-opus-4-5", StringComparison.Ordinal))
                throw Fail("output_config.effort", $"effort is not supported for model '{_model.Id}'");
        }
        if (Opt(config, "format") is { } format)
        {
            Object(format, "output_config.format");
            Enum(Req(format, "type", "output_config.format"), "output_config.format.type", "json_schema");
            Object(Req(format, "schema", "output_config.format"), "output_config.format.schema");
        }
    }

    private void SamplingRules(double? temperature, double? topP, long? topK, bool thinkingOn)
    {
        if (_model.Rules.HasFlag(ModelRules.NoSampling))
        {
            // "Non-default temperature, top_p, and top_k are not supported" (Opus 4.7+ / Claude 5.x migration guides).
            if (temperature is { } t && t != 1) throw Fail("", "`temperature` is deprecated for this model.");
            if (topP is { } p && p != 1) throw Fail("", "`top_p` is deprecated for this model.");
            if (topK is not null) throw Fail("", "`top_k` is deprecated for this model.");
        }
        if (_model.Rules.HasFlag(ModelRules.TemperatureXorTopP) && temperature is not null && topP is not null)
            throw Fail("", "`temperature` and `top_p` cannot both be specified for this model. Please use only one.");
        if (!thinkingOn) return;
        // Extended thinking feature compatibility: temperature 1 only, top_p 0.95..1, no top_k.
        if (temperature is { } tt && tt != 1)
            throw Fail("", "`temperature` may only be set to 1 when thinking is enabled. " + ThinkingDocs + "#feature-compatibility");
        if (topP is { } pp && pp < 0.95)
            throw Fail("", "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled. " + ThinkingDocs + "#feature-compatibility");
        if (topK is not null)
            throw Fail("", "`top_k` must be unset when thinking is enabled. " + ThinkingDocs + "#feature-compatibility");
    }
}
