namespace Gateway.Core.Models;

/// <summary>The model catalogue YAML is invalid. <see cref="Exception.Message"/> lists every problem as <c>file:line: message</c>.</summary>
public sealed class ModelCatalogueException(string message, IReadOnlyList<string> errors) : Exception(message)
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
