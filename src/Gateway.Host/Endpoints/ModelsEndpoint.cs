using System.Text.Json.Serialization;
using Gateway.Host.Policies;
using Gateway.Policy.Reload;

namespace Gateway.Host.Endpoints;

/// <summary><c>GET /v1/models</c>: OpenAI's list shape with the catalogue's Claude models and the configured aliases (Cursor's Verify button calls it).</summary>
public static class ModelsEndpoint
{
    // A fixed timestamp: the list is configuration, and a stable body lets clients cache it.
    private const long Created = 1_767_225_600; // 2026-01-01T00:00:00Z

    public static IResult List(PolicyStore store, SnapshotTranslators snapshots)
    {
        var data = snapshots.Resolver(store.Current).ListedModelIds()
            .Select(id => new ModelObject(id, "model", Created, id.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : "claude-gateway"))
            .ToList();
        return Results.Json(new ModelList("list", data), HostJsonContext.Default.ModelList);
    }
}

public sealed record ModelObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);

public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelObject> Data);

public sealed record HealthStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("upstream")] string Upstream,
    [property: JsonPropertyName("version")] string Version);

[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthStatus))]
public sealed partial class HostJsonContext : JsonSerializerContext;
