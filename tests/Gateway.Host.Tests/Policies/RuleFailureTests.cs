using System.Text.Json;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// Script rules that fail, through the host: a throwing rule, a rule that runs over its 50 ms budget and one that allocates
/// past its memory budget are skipped (fail-open: the request succeeds), counted, and disabled after repeated failures (the
/// admin endpoint says so); a fail-closed profile refuses with 500 policy_error and sends nothing upstream.
/// </summary>
public sealed class RuleFailureTests(FailingRulesGateway fixture) : IClassFixture<FailingRulesGateway>
{
    private const int Attempts = 7; // RuleHealth disables after 5 consecutive failures

    private PolicyGateway P => fixture.Gateway;

    private static Dictionary<string, string> Profile(string name) => new() { ["X-Gateway-Profile"] = name };

    private async Task<JsonElement> HealthOfAsync(string stepId)
    {
        var admin = await P.AdminPoliciesAsync();
        return admin.GetProperty("rule_health").EnumerateArray().FirstOrDefault(h => h.GetProperty("id").GetString() == stepId) is { ValueKind: JsonValueKind.Object } h
            ? h
            : throw new Xunit.Sdk.XunitException($"{stepId} not in rule_health: {admin.GetProperty("rule_health")}");
    }

    [Theory]
    [InlineData("rules-open", "rule:throws", "IndexOutOfRange")]
    [InlineData("rules-loop", "rule:spins", "budget")]
    [InlineData("rules-memory", "rule:hoards", "over its memory budget of 8 MiB")]
    public async Task FailingRule_FailsOpen_ThenIsDisabled(string profile, string stepId, string errorText)
    {
        for (var i = 0; i < Attempts; i++)
        {
            var marker = $"{profile}-attempt-{i}-{Guid.NewGuid():N}";
            using var response = await P.ChatAsync(marker, headers: Profile(profile));
            var body = await response.JsonAsync();
            Assert.True(response.IsSuccessStatusCode, $"attempt {i}: {body}");
            Assert.Equal(profile, response.Header("X-Profile"));
            Assert.Equal("claude-sonnet-5-5", P.UpstreamModel(marker)); // the request went on, unchanged by the rule
        }

        var health = await HealthOfAsync(stepId);
        Assert.True(health.GetProperty("disabled").GetBoolean(), health.ToString());
        Assert.InRange(health.GetProperty("failures").GetInt32(), 5, Attempts);
        Assert.Contains(errorText, health.GetProperty("last_error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AdminPolicies_ListsEachRulesBudgets()
    {
        var rules = (await P.AdminPoliciesAsync()).GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal((2000, 8), (rules["hoards"].GetProperty("budget_ms").GetInt32(), rules["hoards"].GetProperty("memory_mb").GetInt32()));
        Assert.Equal((50, 64), (rules["spins"].GetProperty("budget_ms").GetInt32(), rules["spins"].GetProperty("memory_mb").GetInt32())); // the default
    }

    [Fact]
    public async Task FailingRule_InFailClosedProfile_Is500PolicyError_AndNothingGoesUpstream()
    {
        var marker = $"closed-{Guid.NewGuid():N}";
        using var response = await P.ChatAsync(marker, headers: Profile("rules-closed"));
        var error = await response.AssertOpenAiErrorAsync(500, "policy_rule_failed");
        Assert.Equal("policy_error", error.GetProperty("type").GetString());
        Assert.Contains("throws-closed", error.GetProperty("message").GetString());
        Assert.Equal("rules-closed", response.Header("X-Profile"));
        Assert.DoesNotContain(P.Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailingRule_InFailClosedProfile_StaysClosedAfterRepeatedFailures()
    {
        // A fail-closed profile promises that no request goes upstream unless its rules ran. Disabling the rule after
        // repeated failures must not quietly turn that into fail-open.
        for (var i = 0; i < Attempts; i++)
        {
            var marker = $"closed-repeat-{i}-{Guid.NewGuid():N}";
            using var response = await P.ChatAsync(marker, headers: Profile("rules-closed"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 500, $"attempt {i}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain(P.Gw.Simulator.Requests, r => r.Body.Contains(marker, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task DefaultProfile_IsUnaffectedByOtherProfilesFailingRules()
    {
        using var response = await P.ChatAsync("failing-rules-default hi");
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("default", response.Header("X-Profile"));
    }
}
