using Gateway.Core.Models;
using Gateway.Core.Protocol.OpenAi;

namespace Gateway.Core.Translation;

/// <summary>
/// Loads, before translation, the stored thinking the request translator may restore: the thinking that preceded each tool call of
/// the request's assistant turns, by tool-call id. The translator is synchronous and pure and never reads the store itself; the caller
/// awaits this step first (a local copy answers at once, a shared store is awaited, bounded and fail-open) and hands the result to
/// <see cref="ChatToMessagesRequestTranslator.Translate"/>.
/// <para>
/// Ids looked up: the client ids of the assistant <c>tool_calls</c> that have a function name (the translator turns the others into
/// nothing). Calls without an id and legacy <c>function_call</c> turns get ids the gateway makes up per request (<c>call_gw_N</c>),
/// under which nothing is ever stored (thinking is saved under the ids the upstream gave its tool calls), so they are not looked up.
/// </para>
/// </summary>
public static class ThinkingPrefetch
{
    /// <summary>Nothing found (or nothing to look up).</summary>
    public static IReadOnlyDictionary<string, StoredThinking> None { get; } = new Dictionary<string, StoredThinking>(0, StringComparer.Ordinal);

    /// <summary>
    /// The stored thinking of every assistant tool call in <paramref name="request"/> that has some, by tool-call id. The lookups run
    /// concurrently, so a shared store costs the request at most one bounded wait, not one per tool call. Completes synchronously when
    /// every answer is local. Throws only when <paramref name="ct"/> is cancelled.
    /// </summary>
    public static ValueTask<IReadOnlyDictionary<string, StoredThinking>> LoadAsync(IThinkingStore store, ChatCompletionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(request);
        var ids = ToolCallIds(request);
        if (ids.Count == 0) return new(None);

        Dictionary<string, StoredThinking>? found = null;
        List<(string Id, Task<StoredThinking?> Read)>? pending = null;
        foreach (var id in ids)
        {
            var read = store.GetAsync(id, ct);
            if (read.IsCompletedSuccessfully)
            {
                if (read.Result is { } t) (found ??= new(StringComparer.Ordinal))[id] = t;
            }
            else (pending ??= []).Add((id, read.AsTask()));
        }
        if (pending is null) return new(found ?? None);
        return AwaitPendingAsync(found, pending);
    }

    /// <summary>
    /// <see cref="LoadAsync(IThinkingStore, ChatCompletionRequest, CancellationToken)"/>, unless the translation to
    /// <paramref name="upstreamModel"/> cannot have thinking on (then nothing is looked up, and <see cref="None"/> comes back at once).
    /// </summary>
    public static ValueTask<IReadOnlyDictionary<string, StoredThinking>> LoadAsync(IThinkingStore store, ChatCompletionRequest request, ModelCatalogue catalogue,
        string upstreamModel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        ArgumentNullException.ThrowIfNull(request);
        return MayThink(request, catalogue.TryGet(upstreamModel, out var entry) ? entry.Rules : ModelParameterRules.Unknown)
            ? LoadAsync(store, request, ct)
            : new(None);
    }

    /// <summary>The distinct client ids of the assistant tool calls (with a function name) in <paramref name="request"/>, in order.</summary>
    public static IReadOnlyList<string> ToolCallIds(ChatCompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        List<string>? ids = null;
        HashSet<string>? seen = null;
        foreach (var m in request.Messages ?? [])
        {
            if (m?.Role != "assistant" || m.ToolCalls is not { Count: > 0 } calls) continue;
            foreach (var call in calls)
            {
                if (call?.Function?.Name is not { Length: > 0 } || string.IsNullOrEmpty(call.Id)) continue;
                if ((seen ??= new(StringComparer.Ordinal)).Add(call.Id)) (ids ??= []).Add(call.Id);
            }
        }
        return ids ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// False only when the translator certainly leaves thinking off (so it restores nothing): the model has no extended thinking, or
    /// the request does not ask for it and the model does not think by default. Conservative: true whenever it might be on.
    /// </summary>
    internal static bool MayThink(ChatCompletionRequest request, ModelParameterRules rules)
    {
        if (rules.Thinking == ThinkingMode.None) return false;
        var effort = request.ReasoningEffort?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(effort)) return rules.ThinkingDefault != ThinkingDefault.Off;
        if (effort == "none") return rules.ThinkingDefault == ThinkingDefault.Always;
        return true;
    }

    private static async ValueTask<IReadOnlyDictionary<string, StoredThinking>> AwaitPendingAsync(Dictionary<string, StoredThinking>? found,
        List<(string Id, Task<StoredThinking?> Read)> pending)
    {
        foreach (var (id, read) in pending)
            if (await read.ConfigureAwait(false) is { } t) (found ??= new(StringComparer.Ordinal))[id] = t;
        return found ?? None;
    }
}
