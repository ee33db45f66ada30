using System.Text.Json.Serialization;

namespace Gateway.Core.Translation;

/// <summary>Source-generated metadata for the few primitives the translation serializes itself.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class TranslationJsonContext : JsonSerializerContext;
