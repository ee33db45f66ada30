using static Gateway.Simulator.Tests.Sim;

namespace Gateway.Simulator.Tests;

/// <summary>Every validation rule rejects with the real API's status, error type and a message naming the path.</summary>
public sealed class ValidationTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private const string Tool = "{'name':'get_weather','input_schema':{'type':'object','properties':{'city':{'type':'string'}}}}";
    private const string ToolTurn = "{'role':'assistant','content':[{'type':'tool_use','id':'toolu_1','name':'get_weather','input':{'city':'Paris'}}]}";

    public static TheoryData<string, string, int, string> Rejected => new()
    {
        // Top level shape.
        { "extra field", Body(User("hi"), "'foo':1"), 400, "foo: Extra inputs are not permitted" },
        { "model missing", J("{'max_tokens':10,'messages':[{'role':'user','content':'hi'}]}"), 400, "model: Field required" },
        { "model wrong type", J("{'model':5,'max_tokens':10,'messages':[{'role':'user','content':'hi'}]}"), 400, "model: Input should be a valid string" },
        { "unknown model", Body(User("hi"), model: "claude-nonexistent-9"), 404, "model: claude-nonexistent-9" },
        { "max_tokens missing", J("{'model':'claude-sonnet-4-5','messages':[{'role':'user','content':'hi'}]}"), 400, "max_tokens: Field required" },
        { "max_tokens zero", Body(User("hi"), maxTokens: 0), 400, "max_tokens: Input should be greater than or equal to 1" },
        { "max_tokens over model limit", Body(User("hi"), maxTokens: 64001), 400, "max_tokens: 64001 > 64000" },
        { "max_tokens over haiku 3.5 limit", Body(User("hi"), model: "claude-3-5-haiku-20241022", maxTokens: 8193), 400, "maximum allowed number of output tokens" },
        { "max_tokens string", J("{'model':'claude-sonnet-4-5','max_tokens':'10','messages':[{'role':'user','content':'hi'}]}"), 400, "max_tokens: Input should be a valid integer" },
        { "stream not bool", Body(User("hi"), "'stream':'yes'"), 400, "stream: Input should be a valid boolean" },
        // Messages.
        { "messages empty", Body("[]"), 400, "messages: List should have at least 1 item" },
        { "messages not list", Body("{}"), 400, "messages: Input should be a valid list" },
        { "role system", Body("[{'role':'system','content':'hi'}]"), 400, "messages.0.role: Input should be 'user' or 'assistant'" },
        { "message extra field", Body("[{'role':'user','content':'hi','name':'bob'}]"), 400, "messages.0.name: Extra inputs are not permitted" },
        { "empty text block", Body("[{'role':'user','content':[{'type':'text','text':''}]}]"), 400, "messages.0.content.0.text: text content blocks must be non-empty" },
        { "whitespace text block", Body("[{'role':'user','content':[{'type':'text','text':'  '}]}]"), 400, "text content blocks must contain non-whitespace text" },
        { "empty string content", Body("[{'role':'user','content':''}]"), 400, "messages.0: all messages must have non-empty content except for the optional final assistant message" },
        { "empty array content mid", Body("[{'role':'user','content':'a'},{'role':'assistant','content':[]},{'role':'user','content':'b'}]"), 400, "messages.1: all messages must have non-empty content" },
        { "prefill trailing whitespace", Body("[{'role':'user','content':'a'},{'role':'assistant','content':'The answer is '}]"), 400, "final assistant content cannot end with trailing whitespace" },
        { "unknown block type", Body("[{'role':'user','content':[{'type':'video','url':'x'}]}]"), 400, "messages.0.content.0: Input tag 'video'" },
        // System.
        { "system block empty text", Body(User("hi"), "'system':[{'type':'text','text':''}]"), 400, "system.0.text: text content blocks must be non-empty" },
        { "system number", Body(User("hi"), "'system':5"), 400, "system: Input should be a valid string or a valid list" },
        // Sampling.
        { "temperature above 1", Body(User("hi"), "'temperature':1.5"), 400, "temperature: Input should be less than or equal to 1" },
        { "top_p negative", Body(User("hi"), "'top_p':-0.1"), 400, "top_p: Input should be greater than or equal to 0" },
        { "top_k negative", Body(User("hi"), "'top_k':-1"), 400, "top_k: Input should be greater than or equal to 0" },
        { "temperature and top_p on sonnet 4.5", Body(User("hi"), "'temperature':0.5,'top_p':0.9"), 400, "`temperature` and `top_p` cannot both be specified for this model" },
        { "temperature on opus 4.7", Body(User("hi"), "'temperature':0.5", model: "claude-opus-4-7"), 400, "`temperature` is deprecated for this model." },
        { "top_k on opus 5.5", Body(User("hi"), "'top_k':5", model: "claude-opus-5-5"), 400, "`top_k` is deprecated for this model." },
        { "stop sequence whitespace", Body(User("hi"), "'stop_sequences':['  ']"), 400, "stop_sequences: each stop sequence must contain non-whitespace" },
        { "metadata extra", Body(User("hi"), "'metadata':{'user_id':'u','session':'s'}"), 400, "metadata.session: Extra inputs are not permitted" },
        // Tools.
        { "tool name pattern", Body(User("hi"), "'tools':[{'name':'get weather','input_schema':{'type':'object'}}]"), 400, "tools.0.custom.name: String should match pattern" },
        { "tool names unique", Body(User("hi"), $"'tools':[{Tool},{Tool}]"), 400, "Tool names must be unique" },
        { "tool schema not object type", Body(User("hi"), "'tools':[{'name':'t','input_schema':{'type':'string'}}]"), 400, "tools.0.custom.input_schema.type: Input should be 'object'" },
        { "tool schema missing", Body(User("hi"), "'tools':[{'name':'t'}]"), 400, "tools.0.custom.input_schema: Field required" },
        { "tool extra field", Body(User("hi"), "'tools':[{'name':'t','input_schema':{'type':'object'},'parameters':{}}]"), 400, "tools.0.custom.parameters: Extra inputs are not permitted" },
        { "tool_choice bad type", Body(User("hi"), $"'tools':[{Tool}],'tool_choice':{{'type':'required'}}"), 400, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'" },
        { "tool_choice unknown tool", Body(User("hi"), $"'tools':[{Tool}],'tool_choice':{{'type':'tool','name':'nope'}}"), 400, "Tool 'nope' not found in provided tools" },
        { "tool_choice parallel not bool", Body(User("hi"), $"'tools':[{Tool}],'tool_choice':{{'type':'auto','disable_parallel_tool_use':'no'}}"), 400, "tool_choice.auto.disable_parallel_tool_use: Input should be a valid boolean" },
        // Tool pairing.
        { "tool_use without result", Body($"[{{'role':'user','content':'hi'}},{ToolTurn},{{'role':'user','content':'next'}}]", $"'tools':[{Tool}]"), 400, "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1" },
        { "tool_result unexpected id", Body($"[{{'role':'user','content':'hi'}},{ToolTurn},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_1','content':'ok'}},{{'type':'tool_result','tool_use_id':'toolu_9','content':'x'}}]}}]", $"'tools':[{Tool}]"), 400, "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9" },
        { "tool_result after text", Body($"[{{'role':'user','content':'hi'}},{ToolTurn},{{'role':'user','content':[{{'type':'text','text':'here'}},{{'type':'tool_result','tool_use_id':'toolu_1','content':'ok'}}]}}]", $"'tools':[{Tool}]"), 400, "without `tool_result` blocks immediately after: toolu_1" },
        { "tool_result with no tool_use", Body("[{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'ok'}]}]"), 400, "unexpected `tool_use_id` found in `tool_result` blocks: toolu_1" },
        { "duplicate tool_use ids", Body($"[{{'role':'user','content':'hi'}},{{'role':'assistant','content':[{{'type':'tool_use','id':'toolu_1','name':'get_weather','input':{{}}}},{{'type':'tool_use','id':'toolu_1','name':'get_weather','input':{{}}}}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_1'}}]}}]", $"'tools':[{Tool}]"), 400, "`tool_use` ids must be unique" },
        { "tool_use id pattern", Body($"[{{'role':'user','content':'hi'}},{{'role':'assistant','content':[{{'type':'tool_use','id':'call 1','name':'get_weather','input':{{}}}}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'call 1'}}]}}]"), 400, "messages.1.content.0.id: String should match pattern" },
        { "tool_use input not object", Body($"[{{'role':'user','content':'hi'}},{{'role':'assistant','content':[{{'type':'tool_use','id':'toolu_1','name':'get_weather','input':'{{}}'}}]}},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_1'}}]}}]"), 400, "messages.1.content.0.input: Input should be a valid dictionary" },
        { "tool_use in user message", Body("[{'role':'user','content':[{'type':'tool_use','id':'toolu_1','name':'t','input':{}}]}]"), 400, "`tool_use` blocks can only be in `assistant` messages" },
        // Images.
        { "image bad media type", Body("[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/bmp','data':'" + Png1x1 + "'}}]}]"), 400, "messages.0.content.0.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'" },
        { "image bad base64", Body("[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/png','data':'not base64!!'}}]}]"), 400, "messages.0.content.0.source.data: Invalid base64 data" },
        { "image magic mismatch", Body("[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/jpeg','data':'" + Png1x1 + "'}}]}]"), 400, "specified using the image/jpeg media type, but the image appears to be a image/png image" },
        { "image url not http", Body("[{'role':'user','content':[{'type':'image','source':{'type':'url','url':'ftp://x/y.png'}}]}]"), 400, "messages.0.content.0.source.url: Input should be a valid URL" },
        // Thinking.
        { "budget below 1024", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':512}"), 400, "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" },
        { "budget not below max_tokens", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':2048}", maxTokens: 2048), 400, "`max_tokens` must be greater than `thinking.budget_tokens`" },
        { "thinking with temperature", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':1024},'temperature':0.5", maxTokens: 4096), 400, "`temperature` may only be set to 1 when thinking is enabled" },
        { "thinking with top_k", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':1024},'top_k':5", maxTokens: 4096), 400, "`top_k` must be unset when thinking is enabled" },
        { "thinking with low top_p", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':1024},'top_p':0.5", maxTokens: 4096), 400, "`top_p` must be greater than or equal to 0.95" },
        { "thinking with forced tool", Body(User("hi"), $"'thinking':{{'type':'enabled','budget_tokens':1024}},'tools':[{Tool}],'tool_choice':{{'type':'any'}}", maxTokens: 4096), 400, "Thinking may not be enabled when `tool_choice` forces tool use." },
        { "enabled thinking on opus 4.7", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':1024}", model: "claude-opus-4-7", maxTokens: 4096), 400, "\"thinking.type.enabled\" is not supported for this model" },
        { "disabled thinking on opus 5.5", Body(User("hi"), "'thinking':{'type':'disabled'}", model: "claude-opus-5-5"), 400, "\"thinking.type.disabled\" is not supported for this model" },
        { "adaptive thinking on sonnet 4.5", Body(User("hi"), "'thinking':{'type':'adaptive'}"), 400, "\"thinking.type.adaptive\" is not supported for this model" },
        { "thinking on haiku 3.5", Body(User("hi"), "'thinking':{'type':'enabled','budget_tokens':1024}", model: "claude-3-5-haiku-20241022", maxTokens: 4096), 400, "does not support thinking" },
        { "forced tool on always-thinking fable", Body(User("hi"), $"'tools':[{Tool}],'tool_choice':{{'type':'tool','name':'get_weather'}}", model: "claude-fable-5-2"), 400, "Thinking may not be enabled when `tool_choice` forces tool use." },
        { "unsigned thinking block", Body("[{'role':'user','content':'hi'},{'role':'assistant','content':[{'type':'thinking','thinking':'hmm','signature':'Zm9v'},{'type':'text','text':'ok'}]},{'role':'user','content':'more'}]", "'thinking':{'type':'enabled','budget_tokens':1024}", maxTokens: 4096), 400, "messages.1.content.0: Invalid `signature` in `thinking` block" },
        { "thinking block without signature", Body("[{'role':'user','content':'hi'},{'role':'assistant','content':[{'type':'thinking','thinking':'hmm'},{'type':'text','text':'ok'}]},{'role':'user','content':'more'}]"), 400, "messages.1.content.0.signature: Field required" },
        { "tool turn without thinking when enabled", Body($"[{{'role':'user','content':'hi'}},{ToolTurn},{{'role':'user','content':[{{'type':'tool_result','tool_use_id':'toolu_1','content':'sunny'}}]}}]", $"'tools':[{Tool}],'thinking':{{'type':'enabled','budget_tokens':1024}}", maxTokens: 4096), 400, "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`" },
        // Prefill on models without it.
        { "prefill on sonnet 4.6", Body("[{'role':'user','content':'hi'},{'role':'assistant','content':'Sure'}]", model: "claude-sonnet-4-6"), 400, "This model does not support assistant message prefill" },
        // Cache control.
        { "five cache breakpoints", Body("[{'role':'user','content':[" + string.Join(",", Enumerable.Range(1, 5).Select(i => $"{{'type':'text','text':'t{i}','cache_control':{{'type':'ephemeral'}}}}")) + "]}]"), 400, "A maximum of 4 blocks with cache_control may be provided. Found 5." },
        { "breakpoints across system tools messages", Body("[{'role':'user','content':[{'type':'text','text':'a','cache_control':{'type':'ephemeral'}},{'type':'text','text':'b','cache_control':{'type':'ephemeral'}}]}]", "'system':[{'type':'text','text':'s1','cache_control':{'type':'ephemeral'}},{'type':'text','text':'s2','cache_control':{'type':'ephemeral','ttl':'1h'}}],'tools':[{'name':'t','input_schema':{'type':'object'},'cache_control':{'type':'ephemeral'}}]"), 400, "Found 5." },
        { "cache ttl invalid", Body("[{'role':'user','content':[{'type':'text','text':'t','cache_control':{'type':'ephemeral','ttl':'2h'}}]}]"), 400, "cache_control.ttl: Input should be '5m' or '1h'" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task Validate_InvalidRequest_Rejected(string name, string body, int status, string fragment)
    {
        var (actual, text, response) = await PostAsync(sim.Http, body);
        Assert.True(actual == status, $"{name}: expected {status}, got {actual}: {text}");
        Assert.Contains(fragment, ErrorMessage(text));
        Assert.Equal(status == 404 ? "not_found_error" : "invalid_request_error", ErrorType(text));
        Assert.True(response.Headers.Contains("request-id"), name);
    }

    [Fact]
    public async Task Post_MalformedJson_400()
    {
        var (status, text, _) = await PostAsync(sim.Http, "{\"model\": ");
        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", ErrorType(text));
    }

    [Fact]
    public async Task Post_WithoutAnthropicVersion_400()
    {
        using var http = new HttpClient { BaseAddress = sim.Server.BaseUrl };
        http.DefaultRequestHeaders.Add("x-api-key", "k");
        var (status, text, _) = await PostAsync(http, Body(User("hi")));
        Assert.Equal(400, status);
        Assert.Contains("anthropic-version", ErrorMessage(text));
    }

    [Fact]
    public async Task Post_WrongContentType_400()
    {
        var response = await sim.Http.PostAsync("/v1/messages", new StringContent(Body(User("hi")), System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(400, (int)response.StatusCode);
    }
}
