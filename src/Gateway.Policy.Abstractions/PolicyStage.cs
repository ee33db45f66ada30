namespace Gateway.Policy.Abstractions;

/// <summary>When a rule runs.</summary>
public enum PolicyStage
{
    /// <summary>Before translation: the rule may route, rewrite text and add system notes.</summary>
    Request,
    /// <summary>After the answer (folded): the rule observes and tags.</summary>
    Response,
}
