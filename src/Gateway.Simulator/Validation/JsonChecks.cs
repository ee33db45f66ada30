using System.Text.Json;

namespace Gateway.Simulator.Validation;

/// <summary>
/// Type checks that fail with the real API's pydantic-style messages
/// (<c>path: Input should be a valid integer</c>, <c>path: Extra inputs are not permitted</c>).
/// </summary>
internal static class JsonChecks
{
    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
    public static string Join(string path, int index) => path + "." + index;

    public static ApiErrorException Fail(string path, string message) =>
        ApiErrorException.Invalid(path.Length == 0 ? message : path + ": " + message);

    /// <summary>An optional property; JSON null counts as absent (the API's fields are Optional[...]).</summary>
    public static JsonElement? Opt(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static JsonElement Req(JsonElement obj, string name, string path) =>
        Opt(obj, name) ?? throw Fail(Join(path, name), "Field required");

    public static void Object(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Fail(path, "Input should be a valid dictionary or object to extract fields from");
    }

    public static void Array(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Fail(path, "Input should be a valid list");
    }

    public static string String(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Fail(path, "Input should be a valid string");

    public static bool Bool(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Fail(path, "Input should be a valid boolean"),
    };

    public static long Int(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number) throw Fail(path, "Input should be a valid integer");
        if (e.TryGetInt64(out var v)) return v;
        if (e.TryGetDouble(out var d) && Math.Abs(d) < 1e15 && d == Math.Floor(d)) return (long)d;
        throw Fail(path, "Input should be a valid integer, got a number with a fractional part");
    }

    public static double Number(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Fail(path, "Input should be a valid number");

    public static void Range(double value, double min, double max, string path)
    {
        if (value < min) throw Fail(path, $"Input should be greater than or equal to {Fmt(min)}");
        if (value > max) throw Fail(path, $"Input should be less than or equal to {Fmt(max)}");
    }

    public static string Enum(JsonElement e, string path, params string[] allowed)
    {
        var s = e.ValueKind == JsonValueKind.String ? e.GetString()! : null;
        if (s is not null && System.Array.IndexOf(allowed, s) >= 0) return s;
        throw Fail(path, "Input should be " + Alternatives(allowed));
    }

    public static string Alternatives(string[] allowed)
    {
        var quoted = allowed.Select(a => "'" + a + "'").ToArray();
        return quoted.Length == 1 ? quoted[0] : string.Join(", ", quoted[..^1]) + " or " + quoted[^1];
    }

    /// <summary>Rejects every property not in <paramref name="allowed"/> (pydantic <c>extra="forbid"</c>).</summary>
    public static void NoExtra(JsonElement obj, string path, IReadOnlySet<string> allowed)
    {
        foreach (var p in obj.EnumerateObject())
            if (!allowed.Contains(p.Name)) throw Fail(Join(path, p.Name), "Extra inputs are not permitted");
    }

    private static string Fmt(double d) => d == Math.Floor(d) ? ((long)d).ToString(System.Globalization.CultureInfo.InvariantCulture) : d.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
