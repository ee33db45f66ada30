namespace Gateway.Policy.Abstractions;

/// <summary>A tool the client offers the model.</summary>
/// <param name="Name">The function name.</param>
/// <param name="Description">Its description, if any.</param>
/// <param name="ParametersJson">Its JSON Schema, as JSON text.</param>
public sealed record ToolView(string Name, string? Description, string ParametersJson);
