using Gateway.Host;

// The production host: Anthropic's API (ANTHROPIC_API_KEY) behind the gateway. The no-secrets demo is src/Gateway.Demo.
return await GatewayProgram.RunAsync(args, demoUpstream: null);

/// <summary>Entry point; the composition lives in <see cref="GatewayApp"/>.</summary>
public partial class Program;
