using System.Text.Json.Serialization;
using Gateway.Policy.Sessions;

namespace Gateway.Policy.Sessions;

/// <summary>The Redis value of a session's model: <c>{"model","requested","source"}</c>.</summary>
internal sealed record StoredSessionModel(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("requested")] string RequestedModel,
    [property: JsonPropertyName("source")] string Source)
{
    public static StoredSessionModel From(SessionModel m) => new(m.Model, m.RequestedModel, m.Source);
    public SessionModel ToSessionModel() => new(Model, RequestedModel, Source);
}

[JsonSerializable(typeof(StoredSessionModel))]
internal sealed partial class SessionModelJsonContext : JsonSerializerContext;
