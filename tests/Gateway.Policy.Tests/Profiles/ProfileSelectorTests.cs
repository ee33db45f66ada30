using Gateway.Policy.Configuration;
using Gateway.Policy.Profiles;

namespace Gateway.Policy.Tests.Profiles;

public sealed class ProfileSelectorTests
{
    private static readonly string AcmeKey = KeyHash.Sha256Hex("acme-example-key");
    private static readonly string OpenKey = KeyHash.Sha256Hex("open-key");
    private static readonly string OtherKey = KeyHash.Sha256Hex("someone-else");

    private static readonly IReadOnlyList<ProfileConfig> Profiles =
    [
        .. PolicyYamlLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "shipped-policies")).Profiles,
        new ProfileConfig { Name = "open", AllowHeaderOverride = true, Match = new ProfileMatch { KeySha256 = [OpenKey] } },
    ];

    [Fact]
    public void KeyHash_IsLowerHexSha256()
    {
        // printf %s acme-example-key | sha256sum
        Assert.Equal("0c28d6922e5b43cf27398eb37d4a94d6664956b895ad43bc1e0574966620e566", AcmeKey);
    }

    // key (null: none), header value of X-Gateway-Profile (null: none), model -> profile, model after, reason, refused
    public static TheoryData<string?, string?, string?, string, string?, string, bool> Cases => new()
    {
        { null, null, "claude-sonnet-5-5", "default", "claude-sonnet-5-5", "default", false },
        { "other", null, "gpt-4o", "default", "gpt-4o", "default", false },
        { "acme", null, "claude-sonnet-5-5", "acme", "claude-sonnet-5-5", "key", false },
        { "acme", "acme", "claude-sonnet-5-5", "acme", "claude-sonnet-5-5", "key", false },      // asking for its own profile is fine
        { null, "acme", "claude-sonnet-5-5", "acme", "claude-sonnet-5-5", "header", false },
        { null, "ACME", "claude-sonnet-5-5", "acme", "claude-sonnet-5-5", "header", false },      // values compare case-insensitively
        { "other", "research", null, "research", null, "header", false },
        { null, null, "research/claude-sonnet-5-5", "research", "claude-sonnet-5-5", "model-prefix", false },
        { null, "research", "research/claude-opus-5-5", "research", "claude-opus-5-5", "header", false },
        { null, null, "unknown/claude-sonnet-5-5", "default", "unknown/claude-sonnet-5-5", "default", false },
        { null, "default", "gpt-4o", "default", "gpt-4o", "header", false },
        // a bound key trying to escape its profile
        { "acme", "research", "claude-sonnet-5-5", "acme", "claude-sonnet-5-5", "key", true },
        { "acme", null, "research/claude-sonnet-5-5", "acme", "research/claude-sonnet-5-5", "key", true },
        { "acme", "default", "gpt-4o", "acme", "gpt-4o", "key", true },
        // a profile that allows it
        { "open", "research", "gpt-4o", "research", "gpt-4o", "header", false },
        { "open", null, "research/claude-sonnet-5-5", "research", "claude-sonnet-5-5", "model-prefix", false },
        { "open", null, "gpt-4o", "open", "gpt-4o", "key", false },
        // unknown header value, and header and prefix that disagree
        { null, "nobody", "gpt-4o", "default", "gpt-4o", "header", true },
        { null, "acme", "research/claude-sonnet-5-5", "default", "research/claude-sonnet-5-5", "header", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Select_Table(string? key, string? header, string? model, string profile, string? modelAfter, string reason, bool refused)
    {
        var keyHash = key switch { "acme" => AcmeKey, "open" => OpenKey, "other" => OtherKey, _ => null };
        var headers = header is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-gateway-profile"] = header };
        var selection = ProfileSelector.Select(Profiles, keyHash, headers, model);
        Assert.Equal((profile, modelAfter, reason, refused), (selection.ProfileName, selection.ModelWithoutPrefix, selection.Reason, selection.Rejected));
    }

    [Fact]
    public void Select_BoundKeyEscaping_SaysWhy()
    {
        var headers = new Dictionary<string, string> { ["X-Gateway-Profile"] = "research" };
        var selection = ProfileSelector.Select(Profiles, AcmeKey, headers, "claude-sonnet-5-5");
        Assert.Equal("this API key is bound to profile 'acme' and cannot select profile 'research' (header 'X-Gateway-Profile: research'); "
            + "remove the header or use a key of that profile", selection.Rejection);
    }

    [Fact]
    public void Select_HeaderLookup_IgnoresNameCaseEvenWithOrdinalDictionary()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-GATEWAY-profile"] = "acme" };
        Assert.Equal("acme", ProfileSelector.Select(Profiles, null, headers, "m").ProfileName);
    }
}
