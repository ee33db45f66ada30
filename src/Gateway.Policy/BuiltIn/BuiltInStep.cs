using System.Text.RegularExpressions;
using Gateway.Policy.Abstractions;
using Gateway.Policy.Pipeline;

namespace Gateway.Policy.BuiltIn;

/// <summary>
/// Base of the built-in steps: trusted, request stage, immutable after construction. Every built-in is deterministic in the
/// blocks' content (an old turn gets the same bytes in every later request, so the prompt cache holds) and never changes the
/// latest user message or tool-call blocks.
/// </summary>
public abstract class BuiltInStep(string id, BuiltInStepOptions options) : IPolicyStep
{
    public string Id { get; } = id;
    public PolicyStage Stage => PolicyStage.Request;
    public TimeSpan Budget { get; } = options.Budget;
    public bool Trusted => true;
    protected BuiltInStepOptions Options { get; } = options;

    /// <summary>
    /// Runs <see cref="Apply"/> inline and returns a completed task: built-in steps work on the request in memory and never wait.
    /// A step that reads shared state (route_model and the session store) overrides this and awaits instead.
    /// </summary>
    public virtual ValueTask ApplyAsync(PolicyContext context, RuleScope scope, ResponseView? response, CancellationToken ct)
    {
        Apply(context, scope, response);
        return ValueTask.CompletedTask;
    }

    /// <summary>The step's synchronous work (steps that override <see cref="ApplyAsync"/> instead need not implement it).</summary>
    public virtual void Apply(PolicyContext context, RuleScope scope, ResponseView? response) =>
        throw new NotSupportedException($"Policy step {Id} runs through {nameof(ApplyAsync)} only.");

    /// <summary>A compiled, culture-invariant regex with the configured match timeout.</summary>
    protected Regex Compile(string pattern, RegexOptions extra = RegexOptions.None) =>
        new(pattern, RegexOptions.CultureInvariant | extra, Options.RegexTimeout);
}

/// <summary>Signals built-in steps read in text: file paths and code fences.</summary>
internal static class TextSignals
{
    private const string Extensions = "cs|csx|csproj|sln|props|fs|vb|ts|tsx|js|jsx|mjs|cjs|py|ipynb|go|rs|java|kt|kts|rb|php|c|h|cc|cpp|hpp|cxx|m|mm|swift|scala|sql|json|jsonc|yaml|yml|toml|ini|md|mdx|html|htm|css|scss|less|vue|svelte|sh|bash|zsh|ps1|xml|proto|gradle|tf|lua|dart|ex|exs|erl|hs|ml|r|jl|zig|txt|lock|cfg|conf|dockerfile";

    /// <summary>A path or file name with a source-like extension (<c>src/app/main.ts</c>, <c>./README.md</c>, <c>Program.cs</c>).</summary>
    public static Regex FilePath(TimeSpan timeout) => new(
        $@"(?<![\w./\\-])(?:\.{{1,2}}[/\\])?(?:[\w@.-]+[/\\])*[\w@-][\w.@-]*\.(?:{Extensions})(?![\w])",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, timeout);

    public static bool HasCodeFence(string text) => text.Contains("```", StringComparison.Ordinal);

    /// <summary>Normalizes a found path for counting distinct files: forward slashes, no leading ./</summary>
    public static string NormalizePath(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        return p;
    }
}
