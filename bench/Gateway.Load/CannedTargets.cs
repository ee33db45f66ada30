using System.Globalization;

namespace Gateway.Load;

/// <summary>
/// The two nginx instances of <c>--mode canned</c>, each its own process so their CPU is told apart:
/// <list type="bullet">
/// <item>the <b>canned upstream</b>: POST /v1/messages answers <see cref="CannedAnswer"/> at once, JSON on its first port and SSE
/// on its second. One port per answer because nginx cannot choose by body here: <c>$request_body</c> is empty in a
/// <c>return</c> location (the body is never read; checked with nginx 1.22, a <c>map</c> on it always takes the default),
/// and only a proxying location reads it, which would add a hop inside the upstream;</item>
/// <item>the <b>nginx hop</b>: plain <c>proxy_pass</c> to the canned upstream (HTTP/1.1, keep-alive upstream pool), one port per
/// answer, <c>proxy_buffering off</c> on the stream one. It gets the same OpenAI bytes the gateway gets and passes them on.</item>
/// </list>
/// </summary>
public sealed class CannedTargets : IAsyncDisposable
{
    private CannedTargets(NginxProcess upstream, NginxProcess hop)
    {
        Upstream = upstream;
        Hop = hop;
    }

    public NginxProcess Upstream { get; }
    public NginxProcess Hop { get; }

    public Uri UpstreamUrl(bool stream) => Upstream.Url(stream ? 1 : 0);
    public Uri HopUrl(bool stream) => Hop.Url(stream ? 1 : 0);

    public static async Task<CannedTargets> StartAsync(string nginx, string dir, int workers, CancellationToken ct)
    {
        var json = NginxProcess.LongText("canned_json", CannedAnswer.Json());
        var sse = NginxProcess.LongText("canned_sse", CannedAnswer.Sse());
        var upstream = await NginxProcess.StartAsync("canned upstream", nginx, Path.Combine(dir, "upstream"), 2, workers, ports => $$"""
            {{json.Maps}}{{sse.Maps}}
                server {
                    listen 127.0.0.1:{{ports[0]}};
                    location = /v1/messages {
                        default_type application/json;
                        add_header request-id req_bench_canned_json;
                        return 200 {{json.Expression}};
                    }
                    location = /nginx_status { stub_status; }
                    location / { return 404; }
                }
                server {
                    listen 127.0.0.1:{{ports[1]}};
                    location = /v1/messages {
                        default_type "text/event-stream; charset=utf-8";
                        add_header request-id req_bench_canned_sse;
                        add_header cache-control no-cache;
                        return 200 {{sse.Expression}};
                    }
                    location / { return 404; }
                }

            """, ct);
        try
        {
            var hop = await NginxProcess.StartAsync("nginx hop", nginx, Path.Combine(dir, "hop"), 2, workers, ports => $$"""
                    upstream canned_json {
                        server 127.0.0.1:{{upstream.Ports[0]}};
                        keepalive 256;
                        keepalive_requests 1000000;
                        keepalive_timeout 300s;
                    }
                    upstream canned_sse {
                        server 127.0.0.1:{{upstream.Ports[1]}};
                        keepalive 256;
                        keepalive_requests 1000000;
                        keepalive_timeout 300s;
                    }
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    server {
                        listen 127.0.0.1:{{ports[0]}};
                        location / {
                            rewrite ^ /v1/messages break;
                            proxy_pass http://canned_json;
                        }
                    }
                    server {
                        listen 127.0.0.1:{{ports[1]}};
                        location / {
                            rewrite ^ /v1/messages break;
                            proxy_buffering off;
                            proxy_pass http://canned_sse;
                        }
                    }

                """, ct);
            return new CannedTargets(upstream, hop);
        }
        catch
        {
            await upstream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connections the canned upstream has accepted so far (stub_status "accepts"; this read opens one too).</summary>
    public async Task<long> UpstreamAcceptsAsync(HttpClient http, CancellationToken ct)
    {
        var text = await http.GetStringAsync(new Uri(UpstreamUrl(false), "/nginx_status"), ct);
        // "Active connections: 1 \nserver accepts handled requests\n 12 12 40 \n..."
        var numbers = text.Split('\n')[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(numbers[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Sizes of the two canned answers, for the report.</summary>
    public static string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"Canned upstream (nginx): JSON Message {System.Text.Encoding.UTF8.GetByteCount(CannedAnswer.Json())} B; SSE {System.Text.Encoding.UTF8.GetByteCount(CannedAnswer.Sse())} B " +
        $"(message_start, content_block_start, ping, {CannedAnswer.Deltas} text deltas, content_block_stop, message_delta end_turn + usage, message_stop).");

    public async ValueTask DisposeAsync()
    {
        await Hop.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
