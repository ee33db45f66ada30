using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Caching;

namespace Gateway.Simulator.Wire;

/// <summary>Writes the Messages API response objects (Message, usage, content blocks, error) with Utf8JsonWriter.</summary>
internal static class MessageJson
{
    /// <summary>The full Message object (non-streaming response).</summary>
    public static void Message(Utf8JsonWriter w, string id, string model, ResponsePlan plan, CacheUsage input)
    {
        w.WriteStartObject();
        Envelope(w, id, model);
        w.WriteStartArray("content");
        foreach (var block in plan.Blocks) Block(w, block, complete: true);
        w.WriteEndArray();
        w.WriteString("stop_reason", plan.StopReason);
        if (plan.StopSequence is null) w.WriteNull("stop_sequence"); else w.WriteString("stop_sequence", plan.StopSequence);
        Usage(w, input, plan.OutputTokens, full: true);
        w.WriteEndObject();
    }

    /// <summary>The Message inside message_start: empty content, null stop_reason, output_tokens 1.</summary>
    public static void StartMessage(Utf8JsonWriter w, string id, string model, CacheUsage input)
    {
        w.WriteStartObject("message");
        Envelope(w, id, model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        Usage(w, input, 1, full: true);
        w.WriteEndObject();
    }

    /// <summary>A content block; <paramref name="complete"/> false writes the empty shape content_block_start carries.</summary>
    public static void Block(Utf8JsonWriter w, PlannedBlock block, bool complete)
    {
        w.WriteStartObject();
        w.WriteString("type", block.Type);
        switch (block.Type)
        {
            case "thinking":
                w.WriteString("thinking", complete ? block.Text : "");
                w.WriteString("signature", complete ? block.Signature : "");
                break;
            case "tool_use":
                w.WriteString("id", block.Id);
                w.WriteString("name", block.Name);
                w.WritePropertyName("input");
                if (complete) w.WriteRawValue(block.Text, skipInputValidation: true);
                else { w.WriteStartObject(); w.WriteEndObject(); }
                break;
            default:
                w.WriteString("text", complete ? block.Text : "");
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Usage with the prompt-cache split. <paramref name="full"/>: the Message and message_start shape (with the
    /// <c>cache_creation</c> breakdown and service_tier); otherwise message_delta's cumulative counts.
    /// </summary>
    public static void Usage(Utf8JsonWriter w, CacheUsage input, int outputTokens, bool full)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", input.InputTokens);
        w.WriteNumber("cache_creation_input_tokens", input.CacheCreationTokens);
        w.WriteNumber("cache_read_input_tokens", input.CacheReadTokens);
        if (full)
        {
            w.WriteStartObject("cache_creation");
            w.WriteNumber("ephemeral_5m_input_tokens", input.Write5mTokens);
            w.WriteNumber("ephemeral_1h_input_tokens", input.Write1hTokens);
            w.WriteEndObject();
        }
        w.WriteNumber("output_tokens", outputTokens);
        if (full) w.WriteString("service_tier", "standard");
        w.WriteEndObject();
    }

    public static void Error(Utf8JsonWriter w, string type, string message, string? requestId)
    {
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", type);
        w.WriteString("message", message);
        w.WriteEndObject();
        if (requestId is not null) w.WriteString("request_id", requestId);
        w.WriteEndObject();
    }

    private static void Envelope(Utf8JsonWriter w, string id, string model)
    {
        w.WriteString("id", id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
    }
}
