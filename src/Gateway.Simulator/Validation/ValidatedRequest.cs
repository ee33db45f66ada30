using System.Text.Json;

namespace Gateway.Simulator.Validation;

/// <summary>A request that passed validation: the parts the responder needs.</summary>
internal sealed record ValidatedRequest(
    SimulatedModel Model,
    string RequestedModel,
    long MaxTokens,
    bool Stream,
    JsonElement Messages,
    IReadOnlyList<ToolSpec> Tools,
    bool ThinkingOn,
    IReadOnlyList<string> StopSequences,
    int InputTokens);

/// <summary>A custom tool the request offers (server tools carry no schema).</summary>
internal sealed record ToolSpec(string Name, JsonElement? InputSchema);
