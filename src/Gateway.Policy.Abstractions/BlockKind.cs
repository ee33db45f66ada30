namespace Gateway.Policy.Abstractions;

/// <summary>What a <see cref="BlockView"/> holds.</summary>
public enum BlockKind
{
    /// <summary>Plain text (system, user or assistant).</summary>
    Text,
    /// <summary>An image; its bytes are not visible to rules.</summary>
    Image,
    /// <summary>An assistant's call of a tool: <see cref="BlockView.ToolName"/>, <see cref="BlockView.ToolCallId"/>, arguments JSON in <see cref="BlockView.Text"/>.</summary>
    ToolCall,
    /// <summary>The result of a tool call sent back by the client: <see cref="BlockView.ToolCallId"/>, result text in <see cref="BlockView.Text"/>.</summary>
    ToolResult,
}

/// <summary>The role of a <see cref="MessageView"/>. <c>developer</c> messages appear as <see cref="System"/>, legacy <c>function</c> messages as <see cref="Tool"/>.</summary>
public enum MessageRole
{
    /// <summary>System or developer instructions.</summary>
    System,
    /// <summary>The user (the IDE sends file contents and instructions as user text too).</summary>
    User,
    /// <summary>An earlier model answer, with its tool calls.</summary>
    Assistant,
    /// <summary>A tool result message.</summary>
    Tool,
}
