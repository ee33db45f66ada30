using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Host.Tests.Infrastructure;

namespace Gateway.Host.Tests.Policies;

/// <summary>
/// Reload through the real host, each test on its own gateway and policy copy: by file change (watcher + polling), by
/// <c>POST /admin/policies/reload</c>, by SIGHUP, by a Kubernetes ConfigMap <c>..data</c> symlink swap; and snapshot
/// atomicity (a request in flight during a reload finishes with the snapshot it started with).
/// </summary>
public sealed class PolicyReloadTests
{
    private const string ShippedMarkers = """opus_markers: ["[opus]", "@opus"]""";
    private const string WithDeepMarker = """opus_markers: ["[opus]", "@opus", "%deep%"]""";

    private static async Task AssertRoutedAsync(PolicyGateway p, string text, string marker, bool toOpus)
    {
        using var response = await p.ChatAsync($"{text} {marker}");
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        if (toOpus)
        {
            Assert.Equal("routed:opus-heuristics:marker", response.Header("X-Model-Source"));
            Assert.Equal("claude-opus-5-5", p.UpstreamModel(marker));
        }
        else
        {
            Assert.Equal("alias", response.Header("X-Model-Source"));
            Assert.Equal("claude-sonnet-5-5", p.UpstreamModel(marker));
        }
    }

    [Fact]
    public async Task FileChange_NewVersionWithinBound_AndRestoringTheFileRollsBack()
    {
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create());
        var v1 = await p.VersionOfCompletionAsync("file-v1");
        await AssertRoutedAsync(p, "%deep% why is this slow", "file-before", toOpus: false);

        var original = p.Dir.Read("profiles/default.yaml");
        p.Dir.Edit("profiles/default.yaml", ShippedMarkers, WithDeepMarker);
        var v2 = await p.WaitForNewVersionAsync(v1, "edit of profiles/default.yaml");
        Assert.Matches(PolicyGateway.VersionPattern(), v2);
        await AssertRoutedAsync(p, "%deep% why is this slow", "file-after", toOpus: true);
        var admin = await p.AdminPoliciesAsync();
        Assert.Equal(v2, admin.GetProperty("version").GetString());
        Assert.Contains(admin.GetProperty("last_reload").GetProperty("trigger").GetString(), new[] { "file-change", "poll" });

        // The operator's rollback: restore the file, get the old version back.
        p.Dir.Write("profiles/default.yaml", original);
        var v3 = await p.WaitForNewVersionAsync(v2, "restore of profiles/default.yaml");
        Assert.Equal(v1, v3);
        await AssertRoutedAsync(p, "%deep% why is this slow", "file-restored", toOpus: false);
    }

    [Fact]
    public async Task AdminReload_ReturnsTheNewVersion_WhichRequestsThenCarry()
    {
        // Slow polling: the admin call (or the file event) does the reload.
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create(), new Dictionary<string, string?> { ["POLICY_POLL_MS"] = "600000" });
        var v1 = await p.VersionOfCompletionAsync("admin-v1");
        Assert.Equal(v1, await SendWithSystemAsync(p, "<noise>admin-strip-before</noise>", "admin-before"));
        Assert.Contains("<noise>admin-strip-before</noise>", UpstreamSystem(p, "admin-before"));

        p.Dir.Edit("profiles/default.yaml", "  patterns:\n", """
              patterns:
                - id: test-noise
                  description: added by a host test
                  regex: '<noise>[^<]*</noise>'
                  applies_to: [system]

            """);
        var (status, body) = await p.AdminReloadAsync();
        Assert.True(status == 200, body.ToString());
        Assert.True(body.GetProperty("succeeded").GetBoolean());
        var v2 = body.GetProperty("version").GetString()!;
        Assert.Matches(PolicyGateway.VersionPattern(), v2);
        Assert.NotEqual(v1, v2);
        Assert.Equal(v2, await p.VersionOfCompletionAsync("admin-v2"));
        var after = await SendWithSystemAsync(p, "<noise>admin-strip-after</noise> keep this", "admin-after");
        Assert.Equal(v2, after);
        Assert.DoesNotContain("admin-strip-after", UpstreamSystem(p, "admin-after"));
        Assert.Contains("keep this", UpstreamSystem(p, "admin-after"));

        // Nothing changed since: a second reload succeeds and says so.
        var (again, same) = await p.AdminReloadAsync();
        Assert.Equal(200, again);
        Assert.False(same.GetProperty("changed").GetBoolean());
        Assert.Equal(v2, same.GetProperty("version").GetString());
    }

    private static async Task<string> SendWithSystemAsync(PolicyGateway p, string system, string marker)
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = system },
                new JsonObject { ["role"] = "user", ["content"] = $"hello {marker}" }),
        };
        using var response = await p.Gw.PostAsync("v1/chat/completions", body);
        var json = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return response.Header("X-Policy-Version")!;
    }

    private static string UpstreamSystem(PolicyGateway p, string marker)
    {
        var root = JsonDocument.Parse(p.Gw.Upstream(marker).Body).RootElement;
        if (!root.TryGetProperty("system", out var system)) return "";
        return system.ValueKind == JsonValueKind.String
            ? system.GetString()!
            : string.Concat(system.EnumerateArray().Select(b => b.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Sighup_ReloadsThePolicies()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create(), new Dictionary<string, string?> { ["POLICY_POLL_MS"] = "600000" });
        var before = (await p.AdminPoliciesAsync()).GetProperty("last_reload").GetProperty("at").GetDateTimeOffset();

        // Every gateway of this test process reloads: harmless, a reload without changes swaps nothing.
        using (var kill = Process.Start(new ProcessStartInfo("kill", $"-HUP {Environment.ProcessId}") { UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        var admin = await p.WaitForAdminAsync(a =>
            a.GetProperty("last_reload").GetProperty("trigger").GetString() == "sighup"
            && a.GetProperty("last_reload").GetProperty("at").GetDateTimeOffset() > before, "a reload with trigger 'sighup'");
        Assert.True(admin.GetProperty("last_reload").GetProperty("succeeded").GetBoolean());

        // An edit, then SIGHUP: the new version is served (whichever trigger wins, the watcher's or the signal's).
        var v1 = admin.GetProperty("version").GetString()!;
        p.Dir.Edit("profiles/default.yaml", ShippedMarkers, WithDeepMarker);
        using (var kill = Process.Start(new ProcessStartInfo("kill", $"-HUP {Environment.ProcessId}") { UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        await p.WaitForNewVersionAsync(v1, "edit + SIGHUP");
        await AssertRoutedAsync(p, "%deep% hi", "sighup-after", toOpus: true);
    }

    [Fact]
    public async Task ConfigMapSymlinkSwap_NewVersionActive()
    {
        var dir = PolicyDirectory.CreateConfigMap(out var first);
        await using var p = await PolicyGateway.StartAsync(dir);
        var v1 = await p.VersionOfCompletionAsync("cm-v1");
        var files = (await p.AdminPoliciesAsync()).GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("profiles/default.yaml", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("..", StringComparison.Ordinal));
        await AssertRoutedAsync(p, "%deep% hi", "cm-before", toOpus: false);

        dir.SwapConfigMap(first, "..2026_b", fresh =>
        {
            var path = Path.Combine(fresh, "profiles", "default.yaml");
            File.WriteAllText(path, File.ReadAllText(path).Replace(ShippedMarkers, WithDeepMarker, StringComparison.Ordinal));
        });
        Assert.Equal("..2026_b", new FileInfo(dir.PathOf("..data")).LinkTarget);

        var v2 = await p.WaitForNewVersionAsync(v1, "ConfigMap ..data swap");
        Assert.Matches(PolicyGateway.VersionPattern(), v2);
        await AssertRoutedAsync(p, "%deep% hi", "cm-after", toOpus: true);
    }

    [Fact]
    public async Task Atomicity_RequestInFlightDuringReload_FinishesWithItsSnapshot()
    {
        await using var p = await PolicyGateway.StartAsync(PolicyDirectory.Create(), new Dictionary<string, string?> { ["POLICY_POLL_MS"] = "600000" });
        var v1 = await p.VersionOfCompletionAsync("atomic-v1");

        // 1. A slow stream under v1: "[opus]" routes it to Opus. Headers are sent once the policy has run. At least 7 events 1.5 s
        //    apart: 10+ s, so even a reload slowed down by a loaded machine lands while it streams.
        using var inFlight = await p.ChatAsync("[opus] atomic-old [[sim:slow 1500]]", stream: true);
        Assert.True(inFlight.IsSuccessStatusCode);
        var reading = SseStream.ReadAsync(inFlight, TimeSpan.FromSeconds(90));

        // 2. While it streams, a valid reload makes "[opus]" an ordinary word.
        p.Dir.Edit("profiles/default.yaml", ShippedMarkers, """opus_markers: ["%never-a-marker%"]""");
        var (status, reload) = await p.AdminReloadAsync();
        Assert.True(status == 200, reload.ToString());
        var v2 = reload.GetProperty("version").GetString()!;
        Assert.NotEqual(v1, v2);
        Assert.False(reading.IsCompleted, "the slow stream ended before the reload: the test proves nothing (raise [[sim:slow]])");

        // 3. A request started after the reload is shaped by v2.
        using (var fresh = await p.ChatAsync("[opus] atomic-new"))
        {
            Assert.True(fresh.IsSuccessStatusCode);
            Assert.Equal(v2, fresh.Header("X-Policy-Version"));
            Assert.Equal("alias", fresh.Header("X-Model-Source"));
            Assert.Equal("claude-sonnet-5-5", p.UpstreamModel("atomic-new"));
        }

        // 4. The request in flight finishes normally, entirely under v1.
        var sse = await reading;
        Assert.Equal("[DONE]", sse.Data[^1]);
        Assert.DoesNotContain(sse.Json, j => j.TryGetProperty("error", out _));
        Assert.Equal(v1, inFlight.Header("X-Policy-Version"));
        Assert.Equal("routed:opus-heuristics:marker", inFlight.Header("X-Model-Source"));
        Assert.Equal("claude-opus-5-5", p.UpstreamModel("atomic-old"));
    }
}
