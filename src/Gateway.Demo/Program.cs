using Gateway.Demo;
using Gateway.Host;

// The no-secrets quick start: the gateway exactly as Gateway.Host runs it, plus the Anthropic simulator in process as its
// upstream when ANTHROPIC_API_KEY is unset (announced at start-up, on /healthz and in X-Upstream). With ANTHROPIC_API_KEY set
// this is the ordinary gateway. The production host (Gateway.Host) does not reference the simulator.
return await GatewayProgram.RunAsync(args, SimulatorDemoUpstream.StartAsync);
