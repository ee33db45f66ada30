namespace Gateway.Core.Models;

/// <summary>The upstream model chosen for a request and why.</summary>
/// <param name="Model">Anthropic model id sent upstream.</param>
/// <param name="Source"><c>requested</c> (a Claude id the client named), <c>alias</c> (an alias from the catalogue) or <c>default</c>.</param>
public sealed record ModelResolution(string Model, string Source)
{
    public const string Requested = "requested";
    public const string Alias = "alias";
    public const string Default = "default";
}
