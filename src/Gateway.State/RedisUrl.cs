using System.Globalization;
using StackExchange.Redis;

namespace Gateway.State;

/// <summary>
/// A parsed <c>REDIS_URL</c>: <c>redis://[[user]:password@]host[:port][/db]</c>, <c>rediss://…</c> (TLS), or plain <c>host[:port]</c>.
/// <see cref="Display"/> is the only form that may be logged: it never contains the password.
/// </summary>
public sealed record RedisUrl(string Host, int Port, int Database, string? User, string? Password, bool Ssl)
{
    public const int DefaultPort = 6379;

    /// <summary><c>host:port/db</c> (with <c>rediss://</c> when TLS): safe to log.</summary>
    public string Display => $"{(Ssl ? "rediss://" : "")}{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/{Database.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => Display;

    /// <summary>Parses <paramref name="value"/>; the error never repeats the value (it may hold a password).</summary>
    public static bool TryParse(string? value, out RedisUrl url, out string error)
    {
        url = null!;
        error = "";
        var s = value?.Trim();
        if (string.IsNullOrEmpty(s)) { error = "REDIS_URL is empty"; return false; }

        var ssl = false;
        string? user = null, password = null;
        var db = 0;
        if (s.Contains("://", StringComparison.Ordinal))
        {
            if (s.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)) ssl = true;
            else if (!s.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
            {
                error = "REDIS_URL must start with redis:// or rediss://, or be host:port";
                return false;
            }
            s = s[(s.IndexOf("://", StringComparison.Ordinal) + 3)..];
            var at = s.LastIndexOf('@');
            if (at >= 0)
            {
                var credentials = s[..at];
                s = s[(at + 1)..];
                var colon = credentials.IndexOf(':');
                if (colon < 0) password = Uri.UnescapeDataString(credentials); // redis://secret@host: the single value is the password
                else
                {
                    user = colon == 0 ? null : Uri.UnescapeDataString(credentials[..colon]);
                    password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
                }
                if (password?.Length == 0) password = null;
            }
            var slash = s.IndexOf('/');
            if (slash >= 0)
            {
                var dbText = s[(slash + 1)..];
                s = s[..slash];
                if (dbText.Length > 0 && (!int.TryParse(dbText, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db > 15))
                {
                    error = "REDIS_URL database (after the last /) must be a number from 0 to 15";
                    return false;
                }
            }
        }
        else if (s.Contains('@') || s.Contains('/'))
        {
            error = "REDIS_URL with a password or database must use the redis://[:password@]host:port[/db] form";
            return false;
        }

        var port = DefaultPort;
        string host;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']');
            if (close < 0) { error = "REDIS_URL has an unclosed [ in an IPv6 host"; return false; }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port))) { error = "REDIS_URL port must be a number from 1 to 65535"; return false; }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            host = colon >= 0 ? s[..colon] : s;
            if (colon >= 0 && !TryPort(s[(colon + 1)..], out port)) { error = "REDIS_URL port must be a number from 1 to 65535"; return false; }
        }
        if (host.Length == 0) { error = "REDIS_URL has no host"; return false; }

        url = new RedisUrl(host, port, db, user, password, ssl);
        return true;
    }

    /// <summary>Parses <paramref name="value"/> or throws a <see cref="FormatException"/> that does not repeat it.</summary>
    public static RedisUrl Parse(string? value) =>
        TryParse(value, out var url, out var error) ? url : throw new FormatException(error);

    /// <summary>StackExchange.Redis options for this endpoint (timeouts and retry behaviour come from <paramref name="settings"/>).</summary>
    public ConfigurationOptions ToConfigurationOptions(RedisSettings settings)
    {
        var o = new ConfigurationOptions
        {
            // The gateway never waits for Redis: a down server must not stop start-up, and the multiplexer reconnects by itself.
            AbortOnConnectFail = false,
            ConnectTimeout = Ms(settings.ConnectTimeout),
            SyncTimeout = Ms(settings.OperationTimeout),
            AsyncTimeout = Ms(settings.OperationTimeout),
            ConnectRetry = 1,
            // Commands issued while disconnected fail at once instead of waiting in the backlog for a reconnect.
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(Ms(settings.ReconnectBaseDelay), Ms(settings.ReconnectMaxDelay)),
            KeepAlive = 5,
            DefaultDatabase = Database,
            Ssl = Ssl,
            User = User,
            Password = Password,
            ClientName = "claude-gateway",
            IncludeDetailInExceptions = false,
        };
        o.EndPoints.Add(Host, Port);
        return o;
    }

    private static int Ms(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 1, int.MaxValue);

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
