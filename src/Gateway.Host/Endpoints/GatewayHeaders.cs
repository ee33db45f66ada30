namespace Gateway.Host.Endpoints;

/// <summary>Values of the gateway's own response headers.</summary>
public static class GatewayHeaders
{
    private const int MaxAdjustmentsHeaderLength = 512;

    /// <summary><c>X-Reduction: 71%; before=48210; after=13980</c>: estimated input tokens before and after the policy pipeline.</summary>
    public static string Reduction(int before, int after)
    {
        var percent = before <= 0 ? 0 : (int)Math.Round(100.0 * (before - after) / before);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{percent}%; before={before}; after={after}");
    }

    /// <summary>Header values must be ASCII without control characters; adjustments come from model and client text.</summary>
    public static string Safe(string value)
    {
        Span<char> chars = value.Length <= MaxAdjustmentsHeaderLength ? stackalloc char[value.Length] : new char[MaxAdjustmentsHeaderLength];
        var n = Math.Min(value.Length, chars.Length);
        for (var i = 0; i < n; i++) chars[i] = value[i] is >= ' ' and <= '~' ? value[i] : '?';
        return new string(chars[..n]);
    }
}
