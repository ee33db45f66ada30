namespace Gateway.Policy.Abstractions;

/// <summary>
/// One block of a message: a text, an image, a tool call or a tool result. Rules read it; they change its text only through
/// <see cref="PolicyContext.ReplaceText"/>, which records who changed what. A block's <see cref="Text"/> is what will be sent.
/// </summary>
public sealed class BlockView
{
    internal BlockView(BlockKind kind, string text, string? toolName = null, string? toolCallId = null)
    {
        Kind = kind;
        Text = text;
        OriginalText = text;
        ToolName = toolName;
        ToolCallId = toolCallId;
    }

    /// <summary>What the block holds.</summary>
    public BlockKind Kind { get; }

    /// <summary>The current text: text content, tool-call arguments (JSON) or tool-result content. Empty for images.</summary>
    public string Text { get; internal set; }

    /// <summary>The text as the client sent it, before any rule ran.</summary>
    public string OriginalText { get; }

    /// <summary>True when a rule replaced <see cref="Text"/>.</summary>
    public bool Changed => !ReferenceEquals(Text, OriginalText) && Text != OriginalText;

    /// <summary>The tool's name, for <see cref="BlockKind.ToolCall"/> and (when known) <see cref="BlockKind.ToolResult"/>.</summary>
    public string? ToolName { get; internal set; }

    /// <summary>The call id, for <see cref="BlockKind.ToolCall"/> and <see cref="BlockKind.ToolResult"/>.</summary>
    public string? ToolCallId { get; }

    /// <summary>The message this block belongs to.</summary>
    public MessageView Message { get; internal set; } = null!;

    /// <summary>Position of the block within its message.</summary>
    public int Index { get; internal set; }
}
