using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Reduction;

/// <summary>What the upstream answered to one request that crossed the tap.</summary>
public sealed record TapExchange(string Path, string RequestBody, int Status, string ResponseText, UpstreamUsage Usage);

/// <summary>
/// A pass-through between the gateway and the simulator on loopback: forwards every request unchanged, streams the
/// answer back unbuffered (flush per read), and keeps a copy to read the usage the upstream reported
/// (<c>input_tokens</c>, <c>cache_creation_input_tokens</c>, <c>cache_read_input_tokens</c>, <c>cache_creation.*</c>),
/// whatever the gateway does with it on the way to the client. The target can be swapped between sessions so
/// each session starts with an empty prompt cache while the gateway keeps running.
/// </summary>
public sealed class UsageTap : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Expect",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    private readonly ConcurrentQueue<TapExchange> _exchanges = new();
    private volatile Uri? _target;

    private UsageTap(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public Uri? Target { get => _target; set => _target = value; }

    public IReadOnlyList<TapExchange> Exchanges => _exchanges.ToArray();

    public void Clear() => _exchanges.Clear();

    public static async Task<UsageTap> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64L * 1024 * 1024);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var tap = new UsageTap(app);
        app.Run(tap.ForwardAsync);
        await app.StartAsync(ct);
        tap.BaseUrl = new Uri(app.Urls.First());
        return tap;
    }

    private async Task ForwardAsync(HttpContext ctx)
    {
        var target = _target ?? throw new InvalidOperationException("usage tap has no target");
        using var bodyBuffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(bodyBuffer, ctx.RequestAborted);
        var requestBytes = bodyBuffer.ToArray();

        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri(target, ctx.Request.Path + ctx.Request.QueryString));
        request.Content = new ByteArrayContent(requestBytes);
        foreach (var (name, values) in ctx.Request.Headers)
        {
            if (HopHeaders.Contains(name)) continue;
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        ctx.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!HopHeaders.Contains(name)) ctx.Response.Headers[name] = values.ToArray();

        var copy = new MemoryStream();
        await using (var upstream = await response.Content.ReadAsStreamAsync(ctx.RequestAborted))
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await upstream.ReadAsync(buffer, ctx.RequestAborted)) > 0)
            {
                copy.Write(buffer, 0, read);
                await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }

        var text = Encoding.UTF8.GetString(copy.GetBuffer(), 0, (int)copy.Length);
        var sse = response.Content.Headers.ContentType?.MediaType?.Contains("event-stream", StringComparison.OrdinalIgnoreCase) == true;
        _exchanges.Enqueue(new TapExchange(
            ctx.Request.Path,
            Encoding.UTF8.GetString(requestBytes),
            (int)response.StatusCode,
            text,
            UpstreamUsage.Parse(text, sse)));
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
