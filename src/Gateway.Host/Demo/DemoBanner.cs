namespace Gateway.Host.Demo;

/// <summary>The loud start-up notice of demo mode: nobody should believe the simulator's answers come from Claude.</summary>
internal static class DemoBanner
{
    public static void Announce(ILogger logger, Uri simulator)
    {
        const string line = "****************************************************************************";
        logger.LogWarning("{Line}", line);
        logger.LogWarning("DEMO UPSTREAM: ANTHROPIC_API_KEY is not set, so answers come from the built-in Anthropic simulator at {Simulator}, NOT from Claude.", simulator);
        logger.LogWarning("Set ANTHROPIC_API_KEY to proxy the real Anthropic API. Demo mode never runs in Production.");
        logger.LogWarning("{Line}", line);
    }
}
