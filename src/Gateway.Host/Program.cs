using Gateway.Host;
using Gateway.Host.Cli;
using Serilog;

// The same binary is the policy CLI: `policy check|explain|test` runs and exits without starting the server.
if (PolicyCli.IsPolicyCommand(args)) return PolicyCli.Run(args, Console.Out, Console.Error);

// Bootstrap logger first, so a failing start-up (bad configuration) is reported clearly before the host exists.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    var app = await GatewayApp.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Invalid configuration", StringComparison.Ordinal))
{
    Log.Fatal("{Message}", ex.Message);
    return 2;
}
catch (Gateway.Policy.Reload.PolicyLoadException ex)
{
    Log.Fatal("{Message}", ex.Message);
    return 2;
}
catch (Exception ex)
{
    Log.Fatal(ex, "The gateway stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Entry point; the composition lives in <see cref="GatewayApp"/>.</summary>
public partial class Program;
