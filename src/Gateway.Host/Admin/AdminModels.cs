using System.Text.Json.Serialization;

namespace Gateway.Host.Admin;

public sealed record AdminPolicyFile([property: JsonPropertyName("path")] string Path, [property: JsonPropertyName("sha256")] string Sha256);

public sealed record AdminProfile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("match")] string Match,
    [property: JsonPropertyName("request_steps")] IReadOnlyList<string> RequestSteps,
    [property: JsonPropertyName("response_steps")] IReadOnlyList<string> ResponseSteps,
    [property: JsonPropertyName("on_rule_error")] string OnRuleError);

public sealed record AdminRule(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("budget_ms")] int BudgetMs,
    [property: JsonPropertyName("memory_mb")] int MemoryMb,
    [property: JsonPropertyName("profiles")] IReadOnlyList<string> Profiles);

public sealed record AdminDisabledRule(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("failures")] int Failures,
    [property: JsonPropertyName("disabled")] bool Disabled,
    [property: JsonPropertyName("last_error")] string? LastError);

public sealed record AdminReload(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("changed")] bool Changed,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("trigger")] string Trigger,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors);

public sealed record AdminPolicies(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("loaded_at")] DateTimeOffset LoadedAt,
    [property: JsonPropertyName("directory")] string Directory,
    [property: JsonPropertyName("files")] IReadOnlyList<AdminPolicyFile> Files,
    [property: JsonPropertyName("profiles")] IReadOnlyList<AdminProfile> Profiles,
    [property: JsonPropertyName("rules")] IReadOnlyList<AdminRule> Rules,
    [property: JsonPropertyName("rule_health")] IReadOnlyList<AdminDisabledRule> RuleHealth,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string> Warnings,
    [property: JsonPropertyName("last_reload")] AdminReload LastReload,
    [property: JsonPropertyName("last_reload_error")] AdminReload? LastReloadError);

/// <summary>422 body of a rejected reload: OpenAI-style error plus every diagnostic.</summary>
public sealed record AdminReloadError(
    [property: JsonPropertyName("error")] Gateway.Core.Errors.OpenAiError Error,
    [property: JsonPropertyName("diagnostics")] IReadOnlyList<string> Diagnostics,
    [property: JsonPropertyName("active_version")] string ActiveVersion);

[JsonSerializable(typeof(AdminPolicies))]
[JsonSerializable(typeof(AdminReload))]
[JsonSerializable(typeof(AdminReloadError))]
[JsonSourceGenerationOptions(WriteIndented = true)]
public sealed partial class AdminJsonContext : JsonSerializerContext;
