using Gateway.Host.Cli;
using Gateway.Host.Demo;
using Serilog;

namespace Gateway.Host;

/// <summary>The process entry shared by the production host and the demo launcher: the policy CLI, or the server.</summary>
public static class GatewayProgram
{
    /// <param name="args">Command line: <c>policy check|explain|test ...</c>, or the server's options.</param>
    /// <param name="demoUpstream">Starts a stand-in upstream when no Anthropic key is set (the demo launcher); null: the key is required.</param>
    public static async Task<int> RunAsync(string[] args, DemoUpstreamFactory? demoUpstream)
    {
        // The same binary is the policy CLI: `policy check|explain|test` runs and exits without starting the server.
        if (PolicyCli.IsPolicyCommand(args)) return await PolicyCli.RunAsync(args, Console.Out, Console.Error);

        // Bootstrap logger first, so a failing start-up (bad configuration) is reported clearly before the host exists.
        Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
        try
        {
            var app = await GatewayApp.BuildAsync(args, demoUpstream: demoUpstream);
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
    }
}
