using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Simulator;

/// <summary>
/// A running simulator: Kestrel on its own port, independent of any host it lives in
/// (tests, benchmarks and the gateway's demo mode start it in-process).
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestLog _log;
    private readonly Caching.PromptCache _cache;

    private SimulatorServer(WebApplication app, RequestLog log, Caching.PromptCache cache, Uri baseUrl)
    {
        _app = app;
        _log = log;
        _cache = cache;
        BaseUrl = baseUrl;
    }

    /// <summary>API root without <c>/v1</c>, like the Anthropic SDKs' base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Recorded requests, oldest first (a snapshot).</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    public void ClearRequests() => _log.Clear();

    /// <summary>Empties the simulated prompt cache and its counters (as <c>DELETE /_sim/cache</c>).</summary>
    public void ClearCache() => _cache.Clear();

    /// <summary>Binds <paramref name="url"/> (port 0 picks a free port) and returns once listening.</summary>
    public static async Task<SimulatorServer> StartAsync(SimulatorOptions? options = null, string url = "http://127.0.0.1:0", CancellationToken ct = default)
    {
        options ??= new SimulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
        });
        builder.Logging.ClearProviders();
        if (!options.Quiet) builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        var log = new RequestLog(options.RecordLimit);
        var cache = new Caching.PromptCache(options.Time ?? TimeProvider.System, Math.Max(16, options.CacheCapacity));
        var endpoint = new MessagesEndpoint(options, log, cache);
        app.MapPost("/v1/messages", endpoint.MessagesAsync);
        app.MapPost("/v1/messages/count_tokens", endpoint.CountTokensAsync);
        app.MapGet("/v1/models", endpoint.ModelsAsync);
        app.MapGet("/v1/models/{id}", endpoint.ModelsAsync);
        app.MapGet("/_sim/health", ctx => Json(ctx, w => { w.WriteStartObject(); w.WriteString("status", "ok"); w.WriteEndObject(); }));
        app.MapGet("/_sim/requests", ctx => Json(ctx, w => WriteRequests(w, log.Snapshot())));
        app.MapDelete("/_sim/requests", ctx => { log.Clear(); ctx.Response.StatusCode = 204; return Task.CompletedTask; });
        app.MapGet("/_sim/cache", ctx => Json(ctx, cache.WriteStats));
        app.MapDelete("/_sim/cache", ctx => { cache.Clear(); ctx.Response.StatusCode = 204; return Task.CompletedTask; });
        app.MapFallback(ctx => Json(ctx, w => Wire.MessageJson.Error(w, "not_found_error", "Not found", null), 404));

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, log, cache, new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }

    private static async Task Json(HttpContext ctx, Action<Utf8JsonWriter> write, int status = 200)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    private static void WriteRequests(Utf8JsonWriter w, IReadOnlyList<RecordedRequest> requests)
    {
        w.WriteStartArray();
        foreach (var r in requests)
        {
            w.WriteStartObject();
            w.WriteString("path", r.Path);
            w.WriteStartObject("headers");
            foreach (var (k, v) in r.Headers) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteString("body", r.Body);
            w.WriteNumber("status", r.Status);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
