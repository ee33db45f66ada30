using System.Buffers;
using System.IO.Hashing;
using System.Text.Json;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Policy.Abstractions;

namespace Gateway.Economy.Prompt;

/// <summary>Where a block sits in the prompt's render order.</summary>
internal enum PromptPart { Tools, System, Messages }

/// <summary>
/// One block in Anthropic's render order (each tool, each system block, each message content block — the units the
/// cache's 20-block lookback counts), with the estimated tokens of the prefix up to and including it and the SHA-256
/// of that prefix.
/// </summary>
internal sealed class PromptBlock
{
    public required int Index { get; init; }
    public required PromptPart Part { get; init; }
    /// <summary>Request path, e.g. <c>tools.11</c>, <c>system.0</c>, <c>messages.4.content.1</c>.</summary>
    public required string Location { get; init; }
    /// <summary>Message index for message blocks, else -1.</summary>
    public int Message { get; init; } = -1;
    public bool LastOfMessage { get; init; }
    /// <summary>Whether the block may carry <c>cache_control</c> (not thinking / redacted_thinking).</summary>
    public required bool Eligible { get; init; }
    public int PrefixTokens { get; set; }
    public string Hash { get; set; } = "";
    public MessagesRequestTool? Tool { get; init; }
    public MessagesRequestContentBlock? Content { get; init; }

    /// <summary>The client's own <c>cache_control</c> (on the block or, for a tool_result, inside it), or null.</summary>
    public MessagesRequestCacheControl? ClientMark { get; set; }

    public void Mark(MessagesRequestCacheControl cc)
    {
        if (Tool is not null) Tool.CacheControl = cc;
        else Content!.CacheControl = cc;
    }
}

/// <summary>
/// The request as the prompt cache sees it. Built once per request: one pass over the blocks serializes each (without
/// <c>cache_control</c>, so moving a breakpoint never changes a hash) into one incremental SHA-256, read out after every
/// block, like the simulator's prefix keys. Ahead of the first message block it hashes the settings that invalidate the
/// messages cache (tool_choice, thinking).
/// </summary>
internal sealed class PromptBlockLayout
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false, SkipValidation = true };

    private PromptBlockLayout(List<PromptBlock> blocks, int total)
    {
        Blocks = blocks;
        TotalTokens = total;
    }

    public IReadOnlyList<PromptBlock> Blocks { get; }

    /// <summary>Estimated input tokens of the whole request (<see cref="RequestTokens.Request"/>).</summary>
    public int TotalTokens { get; }

    public static PromptBlockLayout Build(SerializedMessagesRequest serialized, ITokenEstimator tokens)
    {
        var request = serialized.Request;
        var blocks = new List<PromptBlock>();
        var i = 0;
        foreach (var tool in request.Tools ?? [])
            blocks.Add(new PromptBlock { Index = blocks.Count, Part = PromptPart.Tools, Location = "tools." + i++, Eligible = true, Tool = tool, ClientMark = tool.CacheControl });
        i = 0;
        foreach (var block in request.System ?? [])
            blocks.Add(new PromptBlock { Index = blocks.Count, Part = PromptPart.System, Location = "system." + i++, Eligible = true, Content = block, ClientMark = MarkOf(block) });
        for (var m = 0; m < request.Messages.Count; m++)
        {
            var content = request.Messages[m].Content;
            for (var j = 0; j < content.Count; j++)
            {
                var block = content[j];
                blocks.Add(new PromptBlock
                {
                    Index = blocks.Count, Part = PromptPart.Messages, Location = $"messages.{m}.content.{j}", Message = m,
                    LastOfMessage = j == content.Count - 1, Eligible = block.Type is not ("thinking" or "redacted_thinking"),
                    Content = block, ClientMark = MarkOf(block),
                });
            }
        }

        // The serialized bytes carry no cache_control: the hashes do not depend on where marks are.
        var total = Hash(serialized, blocks, tokens);
        return new PromptBlockLayout(blocks, total);
    }

    /// <summary>The nearest block at or before <paramref name="index"/> that can carry <c>cache_control</c>, or -1.</summary>
    public int EligibleAtOrBefore(int index)
    {
        for (var i = Math.Min(index, Blocks.Count - 1); i >= 0; i--)
            if (Blocks[i].Eligible) return i;
        return -1;
    }

    private static MessagesRequestCacheControl? MarkOf(MessagesRequestContentBlock block) =>
        block.CacheControl ?? block.Content?.LastOrDefault(b => b.CacheControl is not null)?.CacheControl;

    /// <summary>
    /// Prefix hashes: one running XxHash128 over the model, each part's name, tool_choice and thinking before the messages, each
    /// message's role, and each block's bytes as serialized for upstream (taken from the one serialization, not written again).
    /// Not a security boundary: a hash names a prefix the gateway has seen, so a fast non-cryptographic one is enough.
    /// </summary>
    private static int Hash(SerializedMessagesRequest serialized, List<PromptBlock> blocks, ITokenEstimator tokens)
    {
        var request = serialized.Request;
        var hash = new XxHash128();
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer, Compact);
        var ctx = AnthropicRequestJsonContext.Wire;
        Span<byte> digest = stackalloc byte[16];

        void Separator() => hash.Append("\u001e"u8);
        void Bytes(ReadOnlySpan<byte> bytes)
        {
            hash.Append(bytes);
            Separator();
        }
        void Small(string text)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStringValue(text);
            writer.Flush();
            Bytes(buffer.WrittenSpan);
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartArray(); writer.WriteStringValue("model"); writer.WriteStringValue(request.Model); writer.WriteEndArray();
        writer.Flush();
        Bytes(buffer.WrittenSpan);
        var part = (PromptPart)(-1);
        var cumulative = 0;
        var lastMessage = -1;
        foreach (var block in blocks)
        {
            if (block.Part != part)
            {
                part = block.Part;
                Small(part.ToString());
                if (part == PromptPart.Messages)
                {
                    buffer.ResetWrittenCount();
                    writer.Reset(buffer);
                    writer.WriteStartObject();
                    writer.WritePropertyName("tool_choice");
                    if (request.ToolChoice is null) writer.WriteNullValue(); else JsonSerializer.Serialize(writer, request.ToolChoice, ctx.MessagesRequestToolChoice);
                    writer.WritePropertyName("thinking");
                    if (request.Thinking is null) writer.WriteNullValue(); else JsonSerializer.Serialize(writer, request.Thinking, ctx.MessagesRequestThinking);
                    writer.WriteEndObject();
                    writer.Flush();
                    Bytes(buffer.WrittenSpan);
                }
            }
            if (block.Message >= 0 && block.Message != lastMessage)
            {
                lastMessage = block.Message;
                Small("role:" + request.Messages[block.Message].Role);
                cumulative += RequestTokens.PerMessage;
            }
            if (block.Tool is { } tool)
            {
                Bytes(serialized.BytesOf(tool));
                cumulative += RequestTokens.Tool(tool, tokens);
            }
            else
            {
                Bytes(serialized.BytesOf(block.Content!));
                cumulative += RequestTokens.Block(block.Content!, tokens);
            }
            hash.GetCurrentHash(digest);
            block.Hash = Convert.ToHexStringLower(digest);
            block.PrefixTokens = cumulative;
        }
        // Messages without blocks still count their framing (the total must equal RequestTokens.Request).
        var emptyMessages = request.Messages.Count(m => m.Content.Count == 0);
        return cumulative + emptyMessages * RequestTokens.PerMessage;
    }
}
