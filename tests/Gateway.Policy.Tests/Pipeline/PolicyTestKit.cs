using System.Text;
using System.Text.Json;
using Gateway.Core.Models;
using Gateway.Core.Protocol.Anthropic;
using Gateway.Core.Protocol.OpenAi;
using Gateway.Core.Translation;
using Gateway.Policy.Abstractions;
using Gateway.Policy.BuiltIn;
using Gateway.Policy.Configuration;
using Gateway.Policy.Pipeline;
using Gateway.Policy.Sessions;
using Gateway.Policy.Snapshots;
using Gateway.Policy.Tokens;
using Gateway.Policy.Views;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Policy.Tests.Pipeline;

/// <summary>Builds requests, profiles and contexts for pipeline, built-in and view tests.</summary>
internal static class PolicyTestKit
{
    public const string Sonnet = "claude-sonnet-4-5";
    public const string Opus = "claude-opus-4-1";

    public static ChatCompletionRequest Parse(string json) => ChatCompletionRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    private static readonly ChatToMessagesRequestTranslator Translator =
        new(ModelCatalogue.LoadDefault(), new TranslationOptions());

    /// <summary>The canonical request the gateway's OpenAI ingress builds from <paramref name="json"/> (what the policy layer shapes).</summary>
    public static CanonicalRequest Canonical(string json) => Translator.ToCanonical(Parse(json));

    /// <summary>The canonical request's messages as rules see them (the view), each message's text: what a rule left in it.</summary>
    public static List<string> Texts(CanonicalRequest r) =>
        RequestViewMapper.ToView(r, Sonnet, "test", new Dictionary<string, string>(), null).View.Messages.Select(m => m.AllText).ToList();

    /// <summary>One canonical message as JSON (to compare untouched messages).</summary>
    public static string Serialize(MessagesRequestMessage m) => JsonSerializer.Serialize(m, TestJson.Default.MessagesRequestMessage);

    /// <summary>The canonical request as the upstream would get it, as JSON text.</summary>
    public static string Serialize(CanonicalRequest r) => JsonSerializer.Serialize(r.Request, AnthropicRequestJsonContext.Wire.MessagesRequest);


    public static ProfileView ProfileView(string name = "default", bool opusAllowed = true, IReadOnlyList<string>? allowed = null) =>
        new(name, Sonnet, Opus, opusAllowed, allowed ?? [], new Dictionary<string, string>());

    public static RequestView View(CanonicalRequest r, string? sessionId = null, string? model = null, string source = "alias") =>
        RequestViewMapper.ToView(r, model ?? r.Intent.Model ?? Sonnet, source, new Dictionary<string, string>(), sessionId).View;

    public static RequestView View(string json, string? sessionId = null, string? model = null, string source = "alias") =>
        View(Canonical(json), sessionId, model, source);

    public static PolicyContext Context(RequestView view, ProfileView? profile = null) =>
        new(view, profile ?? ProfileView(), TiktokenEstimator.Instance, new ListLog(), DateTimeOffset.UnixEpoch);

    public static CompiledProfile Compile(ProfileConfig config, BuiltInStepOptions? options = null, params IPolicyStep[] scripts) =>
        BuiltInStepFactory.Compile(config, id => scripts.FirstOrDefault(s => s.Id == "rule:" + id), options);

    /// <summary>A fresh session store; a generous regex timeout (it counts wall time, which a loaded CI box stretches), unless a test sets its own.</summary>
    public static BuiltInStepOptions FreshOptions() => new() { SessionStore = new InMemorySessionModelStore(), RegexTimeout = TimeSpan.FromSeconds(2) };

    /// <summary>Maps, runs the request stage, writes back: the full host path of a request through the policy layer.</summary>
    public static async Task<(CanonicalRequest Request, PipelineReport Report, PolicyContext Context)> RunAsync(CompiledProfile profile, string json,
        RuleHealth? health = null, string? sessionId = null, ProfileView? profileView = null, string? model = null)
    {
        var request = Canonical(json);
        var mapped = RequestViewMapper.ToView(request, model ?? Sonnet, "alias", new Dictionary<string, string>(), sessionId);
        var context = Context(mapped.View, profileView ?? ProfileView(profile.Name, profile.Config.Routing.OpusAllowed));
        var report = await PolicyPipeline.RunRequestAsync(profile, context, health ?? new RuleHealth(), NullLogger.Instance);
        if (!report.Failed) RequestViewMapper.ApplyTo(mapped, request);
        return (request, report, context);
    }

    public sealed class ListLog : IPolicyLog
    {
        public List<string> Lines { get; } = [];
        public void Info(string message) => Lines.Add("info: " + message);
        public void Warn(string message) => Lines.Add("warn: " + message);
    }
}

/// <summary>A conversation as JSON, built turn by turn.</summary>
internal sealed class Chat
{
    private readonly List<string> _messages = [];
    private string _model = "gpt-4o";
    private bool _tools;

    public Chat Model(string model) { _model = model; return this; }
    public Chat WithTools() { _tools = true; return this; }
    public Chat System(string text) => Add($$"""{"role":"system","content":{{J(text)}}}""");
    public Chat Developer(string text) => Add($$"""{"role":"developer","content":{{J(text)}}}""");
    public Chat User(string text) => Add($$"""{"role":"user","content":{{J(text)}}}""");
    public Chat UserParts(params string[] texts) =>
        Add($$"""{"role":"user","content":[{{string.Join(",", texts.Select(t => $$"""{"type":"text","text":{{J(t)}}}"""))}}]}""");
    public Chat Assistant(string text) => Add($$"""{"role":"assistant","content":{{J(text)}}}""");
    public Chat Call(string id, string name, string args) =>
        Add($$$"""{"role":"assistant","content":null,"tool_calls":[{"id":{{{J(id)}}},"type":"function","function":{"name":{{{J(name)}}},"arguments":{{{J(args)}}}}}]}""");
    public Chat Result(string id, string text) => Add($$"""{"role":"tool","tool_call_id":{{J(id)}},"content":{{J(text)}}}""");
    public Chat Raw(string messageJson) => Add(messageJson);
    public Chat Clone() { var c = new Chat { _model = _model, _tools = _tools }; c._messages.AddRange(_messages); return c; }

    public string Json => $$"""{"model":{{J(_model)}},"messages":[{{string.Join(",", _messages)}}]{{(_tools ? ""","tools":[{"type":"function","function":{"name":"edit_file","parameters":{"type":"object"}}}]""" : "")}}}""";

    public override string ToString() => Json;

    private Chat Add(string m) { _messages.Add(m); return this; }
    private static string J(string s) => JsonSerializer.Serialize(s, TestJson.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(MessagesRequestMessage))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
