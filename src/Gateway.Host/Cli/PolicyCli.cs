using System.Text;
using System.Text.Json;
using Gateway.Core.Errors;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Engine;
using Gateway.Policy.Profiles;
using Gateway.Policy.Scripting;
using Gateway.Policy.Sessions;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Cli;

/// <summary>
/// <c>policy check|explain|test</c> on the gateway binary, for operators and their CI:
/// <c>dotnet Gateway.Host.dll policy check [DIR]</c> validates and compiles everything and prints <c>file:line:col: error ...</c>;
/// <c>policy explain --request FILE [--line N] [--profile NAME] [--key KEY] [--header NAME:VALUE] [--dir DIR]</c> shows what each step does to a request
/// and the final upstream request; <c>policy test [DIR]</c> runs <c>DIR/tests/*.yaml</c>. Exit code 0 on success, 1 on failures, 2 on usage errors.
/// </summary>
public static class PolicyCli
{
    public static bool IsPolicyCommand(string[] args) => args.Length > 0 && args[0] == "policy";

    /// <summary>
    /// <see cref="RunAsync"/>, blocking until it ends: for callers that are not async (tests). The CLI is a process of its own, not
    /// a request thread of the server, so blocking here is harmless.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => RunAsync(args, output, error).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 2) return Usage(error);
        try
        {
            return args[1] switch
            {
                "check" => Check(args.Length > 2 ? args[2] : DefaultDirectory(), output, error),
                "explain" => await ExplainAsync(args[2..], output, error),
                "test" => await TestAsync(args.Length > 2 ? args[2] : DefaultDirectory(), output, error),
                _ => Usage(error),
            };
        }
        catch (CliUsageException ex)
        {
            error.WriteLine($"policy {args[1]}: {ex.Message}");
            return 2;
        }
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("""
            usage: policy check [DIR]
                   policy explain --request FILE [--line N] [--profile NAME] [--key KEY] [--header NAME:VALUE]... [--dir DIR]
                   policy test [DIR]
            DIR defaults to POLICY_DIR, else ./policies.
            """);
        return 2;
    }

    private static string DefaultDirectory() => Environment.GetEnvironmentVariable("POLICY_DIR") is { Length: > 0 } d ? d : "policies";

    private static IReadOnlyDictionary<string, string?> Overrides() =>
        SeedOverrides.Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable, StringComparer.Ordinal);

    private static SnapshotBuildResult Build(string dir) =>
        new PolicySnapshotBuilder(new ScriptRuleCompiler(), new BuiltInStepOptions { SessionStore = new InMemorySessionModelStore() })
            .Build(dir, Overrides(), DateTimeOffset.UtcNow);

    // ---- check ----

    private static int Check(string dir, TextWriter output, TextWriter error)
    {
        var result = Build(dir);
        foreach (var d in result.Diagnostics) (d.IsError ? error : output).WriteLine(d);
        var tests = PolicyTestCaseLoader.Load(Path.Combine(dir, "tests"));
        foreach (var d in tests.Diagnostics) (d.IsError ? error : output).WriteLine(d);

        var errors = result.Errors.Count() + tests.Diagnostics.Count(d => d.IsError);
        if (errors > 0 || result.Snapshot is null)
        {
            error.WriteLine($"{errors} error(s): policies in {dir} are invalid.");
            return 1;
        }
        var s = result.Snapshot;
        var rules = s.Profiles.SelectMany(p => p.Config.Rules).Select(r => r.Id).Distinct().Count();
        output.WriteLine($"OK: version {s.Version}, {s.Profiles.Count} profile(s) ({string.Join(", ", s.Profiles.Select(p => p.Name))}), {rules} script rule(s), {tests.Cases.Count} test case(s), {s.Files.Count} file(s).");
        return 0;
    }

    // ---- explain ----

    private static async Task<int> ExplainAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? requestFile = null, profile = null, key = null;
        int? line = null;
        var dir = DefaultDirectory();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new CliUsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--request": requestFile = Next(); break;
                case "--line": line = int.TryParse(Next(), out var n) && n > 0 ? n : throw new CliUsageException("--line takes a 1-based line number"); break;
                case "--profile": profile = Next(); break;
                case "--key": key = Next(); break;
                case "--dir": dir = Next(); break;
                case "--header":
                    var h = Next();
                    var colon = h.IndexOf(':');
                    if (colon <= 0) throw new CliUsageException("--header takes NAME:VALUE");
                    headers[h[..colon].Trim()] = h[(colon + 1)..].Trim();
                    break;
                default: throw new CliUsageException($"unknown option {args[i]}");
            }
        }
        if (requestFile is null) throw new CliUsageException("--request FILE is required");

        var built = Build(dir);
        if (built.Snapshot is not { } snapshot)
        {
            foreach (var d in built.Errors) error.WriteLine(d);
            error.WriteLine("policies are invalid: run 'policy check' first.");
            return 1;
        }
        var catalogue = snapshot.Catalogue;
        var translator = Translator(catalogue);
        var request = ToCanonical(translator, ParseRequest(ReadRequestJson(requestFile, line)));
        var engine = Engine();
        var shaped = await engine.ShapeRequestAsync(snapshot, new PolicyRequestInput(request, key is null ? null : KeyHash.Sha256Hex(key), headers, DateTimeOffset.UtcNow) { ForceProfile = profile });

        output.WriteLine($"policy version {snapshot.Version} ({dir})");
        output.WriteLine($"profile: {shaped.Profile.Name} (selected by {shaped.ProfileReason})");
        if (shaped.Rejection is not null)
        {
            output.WriteLine($"REFUSED (403): {shaped.Rejection}");
            return 0;
        }
        output.WriteLine($"model: {shaped.Model} (X-Model-Source: {shaped.ModelSource})");
        output.WriteLine();
        output.WriteLine("steps:");
        foreach (var step in shaped.Report!.Steps)
        {
            output.WriteLine($"  {step.Id,-28} {step.StatusText,-16} tokens {step.TokensBefore,7} -> {step.TokensAfter,-7} {step.ElapsedMs,7:0.0} ms{(step.Error is null ? "" : "  error: " + step.Error)}");
            foreach (var change in shaped.Context!.Changes.Where(c => c.RuleId == step.Id))
                output.WriteLine($"      {change.Action}: {change.Detail}{(change.TokensBefore + change.TokensAfter > 0 ? $" ({change.TokensBefore} -> {change.TokensAfter} tokens)" : "")}");
        }
        var saved = shaped.TokensBefore - shaped.TokensAfter;
        output.WriteLine();
        output.WriteLine($"estimated input tokens: {shaped.TokensBefore} -> {shaped.TokensAfter} ({(shaped.TokensBefore == 0 ? 0 : 100.0 * saved / shaped.TokensBefore):0.0}% saved)");
        if (shaped.Context!.Request.SystemNotes.Count > 0)
            output.WriteLine("system notes: " + string.Join(", ", shaped.Context.Request.SystemNotes.Select(n => $"{n.Id} (by {n.RuleId})")));
        if (shaped.Context.Tags.Count > 0)
            output.WriteLine("tags: " + string.Join(", ", shaped.Context.Tags.Select(t => $"{t.Key}={t.Value}")));

        var translation = translator.ApplyModelRules(request, shaped.Model);
        if (translation.Adjustments.Count > 0) output.WriteLine("translation adjustments: " + string.Join("; ", translation.Adjustments));
        output.WriteLine();
        output.WriteLine($"final upstream request (POST /v1/messages):");
        output.WriteLine(Pretty(JsonSerializer.SerializeToUtf8Bytes(translation.Request, AnthropicRequestJsonContext.Wire.MessagesRequest)));
        return 0;
    }

    // ---- test ----

    private static async Task<int> TestAsync(string dir, TextWriter output, TextWriter error)
    {
        var built = Build(dir);
        if (built.Snapshot is not { } snapshot)
        {
            foreach (var d in built.Errors) error.WriteLine(d);
            error.WriteLine("policies are invalid: run 'policy check' first.");
            return 1;
        }
        var loaded = PolicyTestCaseLoader.Load(Path.Combine(dir, "tests"));
        foreach (var d in loaded.Diagnostics) (d.IsError ? error : output).WriteLine(d);
        if (loaded.HasErrors) return 1;

        int passed = 0, failed = 0;
        foreach (var test in loaded.Cases)
        {
            var failures = await RunCaseOffTheClockAsync(test, dir);
            if (failures.Count == 0)
            {
                passed++;
                output.WriteLine($"PASS {test.Name}");
            }
            else
            {
                failed++;
                output.WriteLine($"FAIL {test.Name} ({test.Location})");
                foreach (var f in failures) output.WriteLine($"     {f}");
            }
        }
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Runs of a case that failed while a rule was over its time budget, before the timeout is reported as the cause.</summary>
    private const int TimingAttempts = 5;

    /// <summary>
    /// Runs <paramref name="test"/> on a fresh snapshot. A rule over its budget is skipped (fail-open), as in the gateway; but whether a
    /// 50 ms budget holds in this run depends on the machine (a rule's first run is JIT-compiled; a loaded CI box deschedules threads),
    /// not on the policies. So a case that fails while a rule timed out runs again, warm, and if it keeps failing that way the
    /// failures name the timed-out rules, instead of blaming the rule's logic ("did not change the request").
    /// </summary>
    private static async Task<List<string>> RunCaseOffTheClockAsync(PolicyTestCase test, string dir)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Each case gets a fresh engine and session store: cases must not influence each other through sticky routing.
            var fresh = Build(dir).Snapshot!;
            var timedOut = new List<Gateway.Policy.Pipeline.StepReport>();
            var failures = await RunCaseAsync(test, fresh, timedOut);
            if (failures.Count == 0 || timedOut.Count == 0) return failures;
            if (attempt == TimingAttempts)
                return [.. failures, .. timedOut.Select(s => $"step '{s.Id}' timed out in each of {TimingAttempts} runs: {s.Error}")];
        }
    }

    /// <summary>The failed expectations of one run of <paramref name="test"/>; steps that ran over their budget go to <paramref name="timedOut"/>.</summary>
    internal static async Task<List<string>> RunCaseAsync(PolicyTestCase test, PolicySnapshot snapshot, List<Gateway.Policy.Pipeline.StepReport>? timedOut = null)
    {
        var catalogue = snapshot.Catalogue;
        var failures = new List<string>();
        var translator = Translator(catalogue);
        CanonicalRequest request;
        try
        {
            request = translator.ToCanonical(ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(test.RequestJson)));
        }
        catch (GatewayException ex)
        {
            return [$"request does not parse: {ex.Message}"];
        }
        var shaped = await Engine().ShapeRequestAsync(snapshot, new PolicyRequestInput(request,
            test.Key is null ? null : KeyHash.Sha256Hex(test.Key), test.Headers, DateTimeOffset.UtcNow) { ForceProfile = test.Profile });
        if (shaped.Report is { } report) timedOut?.AddRange(report.Steps.Where(s => s.Status == Gateway.Policy.Pipeline.StepStatus.TimedOut));
        var e = test.Expect;
        if (e.Profile is not null && e.Profile != shaped.Profile.Name) failures.Add($"profile: expected {e.Profile}, got {shaped.Profile.Name}");
        if (e.Rejected is not null)
        {
            if (shaped.Rejection is null) failures.Add($"expected a refusal containing '{e.Rejected}', but the request was accepted");
            else if (!shaped.Rejection.Contains(e.Rejected, StringComparison.OrdinalIgnoreCase)) failures.Add($"refusal '{shaped.Rejection}' does not contain '{e.Rejected}'");
            return failures;
        }
        if (shaped.Rejection is not null) return [.. failures, $"refused: {shaped.Rejection}"];
        if (e.Model is not null && e.Model != shaped.Model) failures.Add($"model: expected {e.Model}, got {shaped.Model}");
        if (e.ModelSource is not null && e.ModelSource != shaped.ModelSource) failures.Add($"model_source: expected {e.ModelSource}, got {shaped.ModelSource}");
        if (e.MaxTokensAfter is { } ceiling && shaped.TokensAfter > ceiling) failures.Add($"max_tokens_after: {shaped.TokensAfter} > {ceiling}");
        var notes = shaped.Context!.Request.SystemNotes.Select(n => n.Id).ToHashSet();
        foreach (var id in e.SystemNotes.Where(id => !notes.Contains(id))) failures.Add($"system note '{id}' missing (have: {string.Join(", ", notes)})");
        foreach (var id in e.NoSystemNotes.Where(notes.Contains)) failures.Add($"system note '{id}' must be absent");
        var changedBy = shaped.Report!.Steps.Where(s => s.Status == Gateway.Policy.Pipeline.StepStatus.Applied).Select(s => s.Id).ToHashSet();
        foreach (var id in e.ChangedBy.Where(id => !changedBy.Contains(id))) failures.Add($"step '{id}' did not change the request (changed: {string.Join(", ", changedBy)})");

        if (e.Contains.Count > 0 || e.NotContains.Count > 0)
        {
            var upstream = UpstreamText(translator.ApplyModelRules(request, shaped.Model).Request);
            foreach (var text in e.Contains.Where(t => !upstream.Contains(t, StringComparison.Ordinal))) failures.Add($"upstream request lacks '{text}'");
            foreach (var text in e.NotContains.Where(t => upstream.Contains(t, StringComparison.Ordinal))) failures.Add($"upstream request still contains '{text}'");
        }
        return failures;
    }

    // ---- helpers ----

    /// <summary>As the gateway builds it: DEFAULT_MODEL / OPUS_MODEL override the catalogue's defaults.</summary>
    private static PolicyEngine Engine() =>
        new(Environment.GetEnvironmentVariable("DEFAULT_MODEL") is { Length: > 0 } d ? d : null,
            Environment.GetEnvironmentVariable("OPUS_MODEL") is { Length: > 0 } o ? o : null,
            TiktokenEstimator.Instance, NullLogger.Instance);

    private static ChatToMessagesRequestTranslator Translator(ModelCatalogue catalogue) =>
        new(catalogue, new TranslationOptions()); // no earlier response: no stored thinking

    private static CanonicalRequest ToCanonical(ChatToMessagesRequestTranslator translator, ChatCompletionRequest request)
    {
        try
        {
            return translator.ToCanonical(request);
        }
        catch (GatewayException ex)
        {
            throw new CliUsageException($"the request cannot be translated: {ex.Message}");
        }
    }

    /// <summary>Reads an OpenAI request from a JSON file, or line N (default: the last) of a JSONL capture whose lines hold it in <c>body</c>.</summary>
    private static string ReadRequestJson(string path, int? line)
    {
        if (!File.Exists(path)) throw new CliUsageException($"no such file: {path}");
        var text = File.ReadAllText(path);
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var index = (line ?? lines.Length) - 1;
            if (index < 0 || index >= lines.Length) throw new CliUsageException($"{path} has {lines.Length} line(s)");
            text = lines[index];
        }
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object ? body.GetRawText() : text;
    }

    private static ChatCompletionRequest ParseRequest(string json)
    {
        try
        {
            return ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(json));
        }
        catch (GatewayException ex)
        {
            throw new CliUsageException($"the request is not a valid chat completion request: {ex.Message}");
        }
    }

    private static string Pretty(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            doc.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Every string value of the upstream request, one per line: what "the text sent upstream" means for expectations.</summary>
    private static string UpstreamText(MessagesRequest request)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(request, AnthropicRequestJsonContext.Wire.MessagesRequest));
        var text = new StringBuilder();
        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String: text.Append(e.GetString()).Append('\n'); break;
                case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value); break;
                case JsonValueKind.Array: foreach (var i in e.EnumerateArray()) Walk(i); break;
            }
        }
        Walk(doc.RootElement);
        return text.ToString();
    }

    private sealed class CliUsageException(string message) : Exception(message);
}
