using System.Globalization;
using System.Text.Json;
using Gateway.Simulator.Validation;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Decides the answer to a validated request from the directives in the last user message
/// (README.md documents the language). Deterministic: same request, same answer (ids aside).
/// </summary>
internal sealed class ResponsePlanner(ThinkingSigner signer, string? script)
{
    private const int SnippetLength = 60;

    public ResponsePlan Plan(ValidatedRequest request, string rawBody)
    {
        var plan = new ResponsePlan();
        var lastUser = Conversation.LastOfRole(request.Messages, "user");
        var userText = lastUser is { } lu ? Conversation.Text(lu) : "";
        var directives = Directive.Parse(userText);
        var firstUser = Conversation.FirstOfRole(request.Messages, "user");
        var agent = script == "agent"
            || (firstUser is { } fu && Conversation.Text(fu).Contains("[[sim:agent]]", StringComparison.Ordinal));

        foreach (var d in directives)
        {
            switch (d.Name)
            {
                case "delay": plan.DelayMs = Int(d.Args, 0); break;
                case "slow": plan.SlowMs = Int(d.Args, 0); break;
                case "error": plan.Error ??= Error(d.Args); break;
                case "stream-error": plan.StreamErrorType ??= d.Args.Length > 0 ? d.Args : "overloaded_error"; break;
            }
        }
        if (plan.Error is not null) return plan;

        var snippet = Snippet(Directive.Strip(userText));
        var alwaysThinks = request.Model.ThinkingDefault == ThinkingDefault.Always;
        if (request.ThinkingOn && (alwaysThinks || directives.Exists(d => d.Name == "thinking")))
        {
            var thinking = "Simulated reasoning about: " + snippet;
            plan.Blocks.Add(PlannedBlock.Thinking(thinking, signer.Sign(request.Model.CanonicalId, thinking)));
        }

        if (agent)
        {
            plan.Blocks.AddRange(AgentScript.Next(request, Directive.Strip(userText)));
            plan.StopReason = plan.Blocks.Exists(b => b.Type == "tool_use") ? "tool_use" : "end_turn";
            return plan;
        }

        var echo = directives.Exists(d => d.Name == "echo");
        foreach (var d in directives.Where(d => d.Name == "text" && !echo))
            plan.Blocks.Add(PlannedBlock.TextBlock(d.Json is { ValueKind: JsonValueKind.String } s ? s.GetString()! : d.Args));
        foreach (var d in directives.Where(d => d.Name == "tool"))
            if (request.Tools.Any(t => t.Name == d.Args))
                plan.Blocks.Add(PlannedBlock.ToolUse(Ids.ToolUse(), d.Args, d.Json?.GetRawText() is { } raw ? Compact(raw) : "{}"));

        if (plan.Blocks.Exists(b => b.Type == "tool_use"))
        {
            plan.StopReason = "tool_use";
            return plan;
        }
        if (!plan.Blocks.Exists(b => b.Type == "text"))
            plan.Blocks.Add(PlannedBlock.TextBlock(echo ? rawBody : DefaultAnswer(lastUser, snippet)));

        if (directives.Exists(d => d.Name == "refusal"))
        {
            plan.Blocks.RemoveAll(b => b.Type == "text");
            plan.Blocks.Add(PlannedBlock.TextBlock("I can't help with that request."));
            plan.StopReason = "refusal";
        }
        else if (directives.Find(d => d.Name == "stop") is { } stop)
        {
            plan.StopReason = "stop_sequence";
            plan.StopSequence = stop.Args;
        }
        else if (directives.Exists(d => d.Name == "max_tokens"))
        {
            var last = plan.Blocks[^1];
            plan.Blocks[^1] = last with { Text = last.Text[..Math.Max(1, last.Text.Length / 2)] };
            plan.StopReason = "max_tokens";
        }
        else
        {
            ApplyStopSequences(plan, request.StopSequences);
            if (!echo && plan.StopReason == "end_turn") ApplyMaxTokens(plan, request.MaxTokens);
        }
        return plan;
    }

    private static string DefaultAnswer(JsonElement? lastUser, string snippet)
    {
        var ids = lastUser is { } m
            ? Conversation.Blocks(m, "tool_result").Select(b => b.GetProperty("tool_use_id").GetString()!).ToList()
            : [];
        return ids.Count > 0 ? "Tool results received: " + string.Join(", ", ids) : "Simulated answer to: " + snippet;
    }

    /// <summary>A request stop sequence occurring in the text ends it there (stop_reason stop_sequence).</summary>
    private static void ApplyStopSequences(ResponsePlan plan, IReadOnlyList<string> stops)
    {
        var i = plan.Blocks.FindIndex(b => b.Type == "text");
        if (i < 0 || stops.Count == 0) return;
        var text = plan.Blocks[i].Text;
        var hit = stops.Select(s => (Seq: s, At: text.IndexOf(s, StringComparison.Ordinal))).Where(h => h.At >= 0).OrderBy(h => h.At).FirstOrDefault();
        if (hit.Seq is null) return;
        plan.Blocks[i] = plan.Blocks[i] with { Text = text[..hit.At] };
        if (plan.Blocks[i].Text.Length == 0) plan.Blocks.RemoveAt(i);
        plan.StopReason = "stop_sequence";
        plan.StopSequence = hit.Seq;
    }

    /// <summary>Output longer than max_tokens is cut (about 4 characters a token) with stop_reason max_tokens.</summary>
    private static void ApplyMaxTokens(ResponsePlan plan, long maxTokens)
    {
        if (plan.OutputTokens <= maxTokens) return;
        var budget = (int)Math.Min(int.MaxValue / 2, maxTokens * 4) - plan.Blocks.Where(b => b.Type != "text").Sum(b => b.Text.Length);
        var i = plan.Blocks.FindLastIndex(b => b.Type == "text");
        if (i < 0) return;
        var text = plan.Blocks[i].Text;
        plan.Blocks[i] = plan.Blocks[i] with { Text = text[..Math.Clamp(budget, 1, text.Length)] };
        plan.StopReason = "max_tokens";
    }

    private static ApiErrorException Error(string args)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var status = parts.Length > 0 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var s) ? s : 500;
        var type = parts.Length > 1 ? parts[1] : ApiErrorException.TypeForStatus(status);
        int? retryAfter = status == 429 ? (parts.Length > 2 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var r) ? r : 7) : null;
        return new ApiErrorException(status, type, ApiErrorException.DefaultMessage(type)) { RetryAfterSeconds = retryAfter };
    }

    private static string Snippet(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= SnippetLength ? text : text[..SnippetLength];
    }

    private static string Compact(string json)
    {
        using var doc = JsonDocument.Parse(json);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) doc.RootElement.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static int Int(string s, int fallback) =>
        int.TryParse(s, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : fallback;
}
