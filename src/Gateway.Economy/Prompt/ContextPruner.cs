using Gateway.Core.Protocol.Anthropic;
using Gateway.Policy.Abstractions;

namespace Gateway.Economy.Prompt;

/// <summary>What <see cref="ContextPruner.Prune"/> did.</summary>
/// <param name="MessagesDropped">Messages removed (0: the request was left alone).</param>
/// <param name="TokensBefore">Estimated input tokens before.</param>
/// <param name="TokensAfter">Estimated input tokens after (the note included).</param>
/// <param name="MaxInputTokens">The budget it pruned to.</param>
/// <param name="FitsBudget">False when even after dropping everything it may drop the request is over the budget.</param>
public sealed record PruneResult(int MessagesDropped, int TokensBefore, int TokensAfter, int MaxInputTokens, bool FitsBudget)
{
    public bool Pruned => MessagesDropped > 0;
    public int TokensDropped => TokensBefore - TokensAfter;

    /// <summary>Value for <c>X-Context-Pruned</c>: <c>messages=6; tokens=48210</c> (null when nothing was pruned).</summary>
    public string? HeaderValue => Pruned ? $"messages={MessagesDropped}; tokens={TokensDropped}" : null;
}

/// <summary>
/// Context pruning (issue 5, reduction 6): when a request's estimate exceeds the input budget
/// (min(context window − max_tokens, profile budget)), drops the oldest turns and says so in one deterministic note.
/// <para>What it keeps: tools and the system prompt; the head of the conversation (every message before the first
/// assistant message: the task); and the latest turns, always including the turn holding the last user message.</para>
/// <para>What it drops: whole turns, oldest first. A turn is an assistant message and the user messages after it up to the
/// next assistant message, so a tool_use and the tool_result that answers it (always in the next user message) go
/// together, and the kept conversation still alternates: head (user) → turn (assistant, user) → ….</para>
/// <para>The note <c>[N earlier messages omitted by the gateway to fit the context window]</c> is appended as a text
/// block to the head's last message. History stability: the cut is chosen in steps of a quarter of the budget
/// (drop at least the excess rounded up to the next step), so while a session grows, consecutive requests cut at
/// the same turn and send the same bytes up to the cut, and the prompt cache keeps hitting until the next step.</para>
/// Mutates the request in place. Deterministic; thread-safe (no state).
/// </summary>
public sealed class ContextPruner(ITokenEstimator tokens)
{
    /// <summary>Steps the excess is rounded up to, as a fraction of the budget.</summary>
    public const int StepsPerBudget = 4;

    private readonly ITokenEstimator _tokens = tokens;

    public static string Note(int messages) => $"[{messages} earlier messages omitted by the gateway to fit the context window]";

    public PruneResult Prune(MessagesRequest request, int maxInputTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        var before = RequestTokens.Request(request, _tokens);
        if (before <= maxInputTokens) return new PruneResult(0, before, before, maxInputTokens, true);

        var messages = request.Messages;
        // 1. Head: everything before the first assistant message. Turns: from each assistant message to the next one.
        var firstAssistant = messages.FindIndex(m => m.Role == "assistant");
        if (firstAssistant <= 0) return new PruneResult(0, before, before, maxInputTokens, false);
        var turnStarts = Enumerable.Range(firstAssistant, messages.Count - firstAssistant).Where(i => messages[i].Role == "assistant").ToList();
        // 2. Protected: the turn holding the last user message and everything after it.
        var lastUser = messages.FindLastIndex(m => m.Role == "user");
        var protectedFrom = turnStarts.LastOrDefault(s => s <= lastUser, firstAssistant);
        var droppable = turnStarts.Where(s => s < protectedFrom).ToList();
        if (droppable.Count == 0) return new PruneResult(0, before, before, maxInputTokens, false);

        // 3. How much to drop: the excess, plus the note, rounded up to a step of the budget (stable cuts).
        var step = Math.Max(1, maxInputTokens / StepsPerBudget);
        var noteTokens = _tokens.Count(Note(messages.Count)) + 2;
        var excess = before - maxInputTokens + noteTokens;
        var target = (excess + step - 1) / step * step;

        var cutEnd = firstAssistant; // messages [firstAssistant, cutEnd) are dropped
        var dropped = 0;
        for (var t = 0; t < droppable.Count; t++)
        {
            var next = t + 1 < turnStarts.Count ? turnStarts[t + 1] : messages.Count;
            var turnTokens = 0;
            for (var i = turnStarts[t]; i < next; i++) turnTokens += RequestTokens.Message(messages[i], _tokens);
            dropped += turnTokens;
            cutEnd = next;
            if (dropped >= target) break;
        }
        // Rounded up past what the protected tail allows: drop all it may (the loop stopped at the last droppable turn).

        // 4. Cut and note.
        var count = cutEnd - firstAssistant;
        messages.RemoveRange(firstAssistant, count);
        messages[firstAssistant - 1].Content.Add(MessagesRequestContentBlock.TextBlock(Note(count)));
        var after = RequestTokens.Request(request, _tokens);
        return new PruneResult(count, before, after, maxInputTokens, after <= maxInputTokens);
    }
}
