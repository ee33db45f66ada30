namespace Gateway.Policy.Abstractions;

/// <summary>One message of the conversation, as the client sent it (system messages included, in place).</summary>
public sealed class MessageView
{
    internal MessageView(int index, MessageRole role, IReadOnlyList<BlockView> blocks)
    {
        Index = index;
        Role = role;
        Blocks = blocks;
        for (var i = 0; i < blocks.Count; i++)
        {
            blocks[i].Message = this;
            blocks[i].Index = i;
        }
    }

    /// <summary>Position in the request's <c>messages</c>.</summary>
    public int Index { get; }

    /// <summary>Who wrote it.</summary>
    public MessageRole Role { get; }

    /// <summary>Its blocks, in order.</summary>
    public IReadOnlyList<BlockView> Blocks { get; }

    /// <summary>True for the newest user message: the instruction the model must answer. Built-in reductions never touch it.</summary>
    public bool IsLatestUserMessage { get; internal set; }

    /// <summary>How many user messages come after this one (0 for the latest turn): lets rules treat old turns differently.</summary>
    public int TurnsFromEnd { get; internal set; }

    /// <summary>All text of the message's text and tool-result blocks, joined by newlines.</summary>
    public string AllText => string.Join("\n", Blocks.Where(b => b.Kind is BlockKind.Text or BlockKind.ToolResult).Select(b => b.Text));
}
