using System.Text.Json;
using Gateway.Policy.Configuration;

namespace Gateway.Policy.Tests.Configuration;

public sealed class PolicyTestCaseLoaderTests
{
    private static (List<PolicyTestCase> Cases, List<PolicyDiagnostic> Diagnostics) Load(string yaml, Func<string, string?>? files = null)
    {
        var cases = new List<PolicyTestCase>();
        var diagnostics = new List<PolicyDiagnostic>();
        PolicyTestCaseLoader.LoadFile(yaml, "tests/t.yaml", files ?? (_ => null), cases, diagnostics);
        return (cases, diagnostics);
    }

    [Fact]
    public void Load_ShippedCases_HaveNoDiagnostics()
    {
        var result = PolicyTestCaseLoader.Load(Path.Combine(PolicyYamlLoaderTests.Shipped, "tests"));
        Assert.Empty(result.Diagnostics);
        Assert.True(result.Cases.Count >= 4);
        Assert.Contains("tests/requests/continue-fix-logger.json", result.Files);
        var continueCase = result.Cases.Single(c => c.RequestFile == "requests/continue-fix-logger.json");
        using var doc = JsonDocument.Parse(continueCase.RequestJson);
        Assert.Equal("gpt-4.1", doc.RootElement.GetProperty("model").GetString());
        Assert.Contains("Co-Authored-By: Continue <noreply@continue.dev>", continueCase.Expect.NotContains);
    }

    [Fact]
    public void Load_InlineRequest_BecomesJsonWithTypedScalars()
    {
        var (cases, diagnostics) = Load("""
            version: 1
            cases:
              - name: inline
                key: k
                headers: { X-Gateway-Profile: acme }
                request:
                  model: claude-sonnet-5-5
                  max_tokens: 100
                  temperature: 0.5
                  stream: false
                  user: "42"
                  messages:
                    - { role: user, content: hi }
                expect: { model: claude-sonnet-5-5, max_tokens_after: 50 }
            """);
        Assert.Empty(diagnostics);
        var c = Assert.Single(cases);
        Assert.Equal("""{"model":"claude-sonnet-5-5","max_tokens":100,"temperature":0.5,"stream":false,"user":"42","messages":[{"role":"user","content":"hi"}]}""", c.RequestJson);
        Assert.Equal("acme", c.Headers["x-gateway-profile"]);
        Assert.Equal(50, c.Expect.MaxTokensAfter);
    }

    public static TheoryData<string, string> BrokenCases => new()
    {
        { "version: 1\ncases:\n  - name: a\n    reqest: {}\n    expect: { model: x }\n", "tests/t.yaml:4:5: error: cases[0].reqest: unknown key" },
        { "version: 1\ncases:\n  - name: a\n    request_file: nope.json\n    expect: { model: x }\n", "tests/t.yaml:4:19: error: cases[0].request_file: 'nope.json' not found" },
        { "version: 1\ncases:\n  - name: a\n    request: { messages: [] }\n    expect: {}\n", "tests/t.yaml:5:13: error: cases[0].expect: nothing to check" },
        { "version: 1\ncases:\n  - name: a\n    request: { messages: [] }\n    expect: { max_tokens_after: -3 }\n", "tests/t.yaml:5:33: error: cases[0].expect.max_tokens_after: must be at least 1, got -3" },
        { "cases: []\n", "tests/t.yaml:1:1: error: version: required" },
        { "version: 1\ncases:\n  - name: a\n    request: { model: x }\n    expect: { model: x }\n", "tests/t.yaml:4:14: error: cases[0].request: expected an OpenAI chat request" },
    };

    [Theory]
    [MemberData(nameof(BrokenCases))]
    public void Load_BrokenCase_ReportsPosition(string yaml, string expected)
    {
        var (_, diagnostics) = Load(yaml);
        Assert.Contains(diagnostics, d => d.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadJsonFile_IsReportedAtTheReference()
    {
        var (_, diagnostics) = Load("version: 1\ncases:\n  - name: a\n    request_file: bad.json\n    expect: { model: x }\n", _ => "{ not json");
        Assert.StartsWith("tests/t.yaml:4:19: error: cases[0].request_file: 'bad.json': invalid JSON", Assert.Single(diagnostics).ToString());
    }
}
