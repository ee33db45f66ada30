using System.Buffers;
using System.Security.Cryptography;
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

    public static PromptBlockLayout Build(MessagesRequest request, ITokenEstimator tokens)
    {
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

        // Hash without cache_control: take the marks off for the pass, put them back after.
        var saved = Detach(request);
        try
        {
            var total = Hash(request, blocks, tokens);
            return new PromptBlockLayout(blocks, total);
        }
        finally
        {
            Restore(saved);
        }
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

    private static int Hash(MessagesRequest request, List<PromptBlock> blocks, ITokenEstimator tokens)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, Compact);
        var ctx = AnthropicRequestJsonContext.Wire;
        Span<byte> digest = stackalloc byte[32];

        void Append(Action<Utf8JsonWriter> write)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            write(writer);
            writer.Flush();
            sha.AppendData(buffer.WrittenSpan);
            sha.AppendData("\u001e"u8);
        }

        Append(w => { w.WriteStartArray(); w.WriteStringValue("model"); w.WriteStringValue(request.Model); w.WriteEndArray(); });
        var part = (PromptPart)(-1);
        var cumulative = 0;
        var lastMessage = -1;
        foreach (var block in blocks)
        {
            if (block.Part != part)
            {
                part = block.Part;
                Append(w => w.WriteStringValue(part.ToString()));
                if (part == PromptPart.Messages)
                    Append(w =>
                    {
                        w.WriteStartObject();
                        w.WritePropertyName("tool_choice");
                        if (request.ToolChoice is null) w.WriteNullValue(); else JsonSerializer.Serialize(w, request.ToolChoice, ctx.MessagesRequestToolChoice);
                        w.WritePropertyName("thinking");
                        if (request.Thinking is null) w.WriteNullValue(); else JsonSerializer.Serialize(w, request.Thinking, ctx.MessagesRequestThinking);
                        w.WriteEndObject();
                    });
            }
            if (block.Message >= 0 && block.Message != lastMessage)
            {
                lastMessage = block.Message;
                var role = request.Messages[block.Message].Role;
                Append(w => w.WriteStringValue("role:" + role));
                cumulative += RequestTokens.PerMessage;
            }
            if (block.Tool is { } tool)
            {
                Append(w => JsonSerializer.Serialize(w, tool, ctx.MessagesRequestTool));
                cumulative += RequestTokens.Tool(tool, tokens);
            }
            else
            {
                Append(w => JsonSerializer.Serialize(w, block.Content!, ctx.MessagesRequestContentBlock));
                cumulative += RequestTokens.Block(block.Content!, tokens);
            }
            sha.GetCurrentHash(digest);
            block.Hash = Convert.ToHexStringLower(digest);
            block.PrefixTokens = cumulative;
        }
        // Messages without blocks still count their framing (the total must equal RequestTokens.Request).
        var emptyMessages = request.Messages.Count(m => m.Content.Count == 0);
        return cumulative + emptyMessages * RequestTokens.PerMessage;
    }

    private static List<(object Owner, MessagesRequestCacheControl Mark)> Detach(MessagesRequest request)
    {
        var saved = new List<(object, MessagesRequestCacheControl)>();
        foreach (var tool in request.Tools ?? [])
            if (tool.CacheControl is { } cc) { saved.Add((tool, cc)); tool.CacheControl = null; }
        void Walk(IEnumerable<MessagesRequestContentBlock>? blocks)
        {
            foreach (var b in blocks ?? [])
            {
                if (b.CacheControl is { } cc) { saved.Add((b, cc)); b.CacheControl = null; }
                if (b.Content is not null) Walk(b.Content);
            }
        }
        Walk(request.System);
        foreach (var m in request.Messages) Walk(m.Content);
        return saved;
    }

    private static void Restore(List<(object Owner, MessagesRequestCacheControl Mark)> saved)
    {
        foreach (var (owner, mark) in saved)
        {
            if (owner is MessagesRequestTool t) t.CacheControl = mark;
            else ((MessagesRequestContentBlock)owner).CacheControl = mark;
        }
    }
}
