namespace Gateway.Policy.Profiles;

/// <summary>Which profile serves a request, and why.</summary>
/// <param name="ProfileName">The profile (<c>default</c> when nothing else matched); shown in <c>X-Profile</c>.</param>
/// <param name="ModelWithoutPrefix">The requested model with the profile's model prefix removed (<c>acme/claude-sonnet-4-0</c> → <c>claude-sonnet-4-0</c>); the requested model unchanged when no prefix applied; null when the request named none.</param>
/// <param name="Reason"><c>key</c>, <c>header</c>, <c>model-prefix</c> or <c>default</c>.</param>
/// <param name="Rejection">Non-null: refuse the request with 403 and this message (e.g. a bound key trying to select another profile).</param>
public sealed record ProfileSelection(string ProfileName, string? ModelWithoutPrefix, string Reason, string? Rejection)
{
    public const string ByKey = "key";
    public const string ByHeader = "header";
    public const string ByModelPrefix = "model-prefix";
    public const string ByDefault = "default";

    public bool Rejected => Rejection is not null;
}
