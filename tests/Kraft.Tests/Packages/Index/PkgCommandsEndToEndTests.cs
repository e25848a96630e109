using System.Text.Json;
using Kraft.Packages.Index;
using Kraft.Packages.Manifests;
using Kraft.Tests.EndToEnd;
using Microsoft.AspNetCore.Http;
using static Kraft.Tests.Packages.Index.IndexFixtures;

namespace Kraft.Tests.Packages.Index;

/// <summary>
/// kraft pkg update / ls / info through the published binary, with the configuration, cache and
/// home in temporary directories and every source on loopback.
/// </summary>
public class PkgCommandsEndToEndTests
{
    static Dictionary<string, string?> Env(TempDir dir, params (string, string?)[] extra)
    {
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = dir["home"],
            ["XDG_CONFIG_HOME"] = dir["xdg/config"],
            ["XDG_DATA_HOME"] = dir["xdg/data"],
            ["XDG_CACHE_HOME"] = dir["xdg/cache"],
            ["KRAFTKIT_CONFIG_DIR"] = dir["config"],
            ["KRAFTKIT_PATHS_MANIFESTS"] = dir["manifests"],
            ["KRAFTKIT_PATHS_SOURCES"] = dir["sources"],
            ["KRAFTKIT_OFFLINE"] = null,
            ["KRAFTKIT_NO_PARALLEL"] = null,
            ["GITHUB_TOKEN"] = null,
            ["KRAFT_HTTP_RETRIES"] = "1",
            ["KRAFT_HTTP_BACKOFF_MS"] = "10",
            // Generous: the machine may be busy; the test of time-outs sets its own.
            ["KRAFT_HTTP_TIMEOUT"] = "10",
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    static void WriteConfig(TempDir dir, params string[] sources) =>
        dir.Write("config/config.yaml", "unikraft:\n  manifests:\n" + string.Concat(sources.Select(s => $"    - {s}\n")));

    static CliResult Kraft(TempDir dir, params string[] args) => Kraft(dir, Env(dir), args);

    static CliResult Kraft(TempDir dir, Dictionary<string, string?> env, params string[] args)
    {
        Directory.CreateDirectory(dir["work"]);
        return KraftCli.Run(dir["work"], env, TimeSpan.FromMinutes(1), args);
    }

    // ---- kraft pkg update: these read the sources from config.yaml ----

    [Fact]
    public void Update_names_every_failing_source_with_its_error_and_exits_1()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var good = ServeIndex(server, "/good", "lwip", "musl");
        var missing = server.Url("/missing/index.yaml");
        server.Handle("/broken/index.yaml", ctx => { ctx.Response.StatusCode = 500; return Task.CompletedTask; });
        server.Handle("/slow/index.yaml", async ctx =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted); } catch (OperationCanceledException) { }
        });
        WriteConfig(dir, good, missing, server.Url("/broken/index.yaml"), server.Url("/slow/index.yaml"));

        var r = Kraft(dir, Env(dir, ("KRAFT_HTTP_TIMEOUT", "3")), "pkg", "update");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Matches($@"ok +{Regex(good)} \(index\): 2 components in [0-9.]+ s", r.Stdout);
        Assert.Matches($@"FAILED +{Regex(missing)} .*HTTP 404", r.Stderr);
        Assert.Matches($@"FAILED +{Regex(server.Url("/broken/index.yaml"))} .*HTTP 500", r.Stderr);
        Assert.Matches($@"FAILED +{Regex(server.Url("/slow/index.yaml"))} .*no answer within 3 s", r.Stderr);
        Assert.Contains("1 of 4 sources updated: 2 components in the index; 3 FAILED", r.Stderr);
        Assert.DoesNotContain("   at ", r.Output);

        var ls = Kraft(dir, "pkg", "ls");
        Assert.Equal(0, ls.ExitCode);
        Assert.Contains("lwip", ls.Stdout);
        Assert.Contains("musl", ls.Stdout);
    }

    [Fact]
    public void A_source_that_breaks_keeps_its_components_and_ls_flags_them_stale()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        var flaky = ServeIndex(server, "/flaky", "lwip");
        var other = ServeIndex(server, "/other", "zlib");
        WriteConfig(dir, flaky, other);
        var first = Kraft(dir, "pkg", "update");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("2 of 2 sources updated: 2 components in the index", first.Stdout);

        server.Serve("/flaky/index.yaml", "manifests:\n  - name: lwip\n    type: widget\n");
        var second = Kraft(dir, "pkg", "update");
        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains($"{flaky}:3:11: unknown component type 'widget'", second.Stderr);
        Assert.Contains("keeping its 1 component from the last good update", second.Stderr);

        var ls = Kraft(dir, "pkg", "ls");
        Assert.Matches($@"lib +lwip +stable\*,staging +v0\.17\.0 +{Regex(flaky)} \(stale\)", ls.Stdout);
        Assert.Contains($"note: {flaky} failed to update", ls.Stderr);
        var info = Kraft(dir, "pkg", "info", "lwip");
        Assert.Contains("stale:", info.Stdout);
        Assert.Contains("unknown component type 'widget'", info.Stdout);
    }

    [Fact]
    public async Task Two_updates_at_once_leave_one_whole_cache()
    {
        using var server = new LoopbackHttpServer();
        using var dir = new TempDir();
        WriteConfig(dir, ServeIndex(server, "/a", Enumerable.Range(0, 50).Select(i => $"lib{i}").ToArray()));
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Kraft(dir, "pkg", "update"))));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Equal(50, new IndexStore(dir["manifests"]).Load()!.Sources.Single().Manifests.Count);
        Assert.Equal([".lock", "index.json"], Directory.GetFiles(dir["manifests"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Update_with_component_hands_over_to_the_lock_updater()
    {
        using var dir = new TempDir();
        // A directory source keeps everything local: no request leaves the machine.
        dir.Write("checkouts/unikraft/Config.uk", "mainmenu \"Unikraft\"\n");
        dir.Write("checkouts/lib-lwip/Config.uk", "config LIBLWIP\n");
        WriteConfig(dir, dir["checkouts"]);
        dir.Write("project/Kraftfile", "spec: v0.6\nname: app\nunikraft: default\nlibraries:\n  lwip: default\ntargets:\n  - qemu/x86_64\n");
        var r = Kraft(dir, "pkg", "update", "--component", "lwip", "-w", dir["project"]);
        Assert.Contains($"ok      {dir["checkouts"]} (directory): 2 components", r.Stdout);
        // LockUpdater is written elsewhere; here only that update hands over to it (no crash, no stack trace).
        Assert.DoesNotContain("internal error", r.Output);
        Assert.DoesNotContain("   at ", r.Output);
    }

    // ---- kraft pkg ls / info: these read a cache written here ----

    static readonly DateTimeOffset Listed = new(2024, 10, 21, 10, 0, 0, TimeSpan.Zero);

    static void WriteCache(TempDir dir)
    {
        var lwip = new Manifest
        {
            Name = "lwip", Type = ComponentType.Lib, Description = "lightweight TCP/IP", Origin = "https://git.example/lib-lwip.git",
            Provider = "git", ListedFrom = "https://idx.example/libs/lwip.yaml",
            Channels = [new ManifestChannel { Name = "stable", Default = true, Resource = "https://git.example/lib-lwip.git", Commit = new string('c', 40) },
                        new ManifestChannel { Name = "staging", Resource = "https://git.example/lib-lwip.git" }],
            Versions = [new ManifestVersion { Version = "v0.17.0", Type = "semver", Unikraft = "0.17.0", Resource = "https://x/lwip.tar.gz", Sha256 = new string('e', 64) }],
        };
        var core = new Manifest
        {
            Name = "unikraft", Type = ComponentType.Core,
            Channels = [new ManifestChannel { Name = "stable", Default = true, Resource = "https://git.example/unikraft.git" }],
        };
        var musl = new Manifest { Name = "musl", Type = ComponentType.Lib, Channels = [new ManifestChannel { Name = "stable", Default = true, Resource = "r" }] };
        var hello = new Manifest { Name = "helloworld", Type = ComponentType.App, Versions = [new ManifestVersion { Version = "v1", Resource = "r" }] };
        new IndexStore(dir["manifests"]).Save(new IndexSnapshot
        {
            UpdatedAt = Listed,
            Sources =
            [
                new SourceListing { Location = "https://idx.example/index.yaml", Kind = "index", ListedAt = Listed, Manifests = [lwip, core, hello] },
                new SourceListing
                {
                    Location = "https://down.example/index.yaml", Kind = "index", ListedAt = Listed.AddDays(-3), FailedAt = Listed,
                    Error = "GET https://down.example/index.yaml failed: HTTP 503", Manifests = [musl, lwip with { Origin = "https://mirror.example/lwip.git" }],
                },
            ],
        });
    }

    [Fact]
    public void Ls_lists_components_with_channels_versions_and_source()
    {
        using var dir = new TempDir();
        WriteCache(dir);
        var r = Kraft(dir, "pkg", "ls");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches("^TYPE +NAME +CHANNELS +VERSIONS +SOURCE$", lines[0]);
        Assert.Matches(@"^core +unikraft +stable\* +- +https://idx\.example/index\.yaml$", lines[1]);
        Assert.Matches(@"^lib +lwip +stable\*,staging +v0\.17\.0 +https://idx\.example/index\.yaml$", lines[2]);
        Assert.Matches(@"^lib +musl +stable\* +- +https://down\.example/index\.yaml \(stale\)$", lines[3]);
        Assert.Matches(@"^app +helloworld +- +v1 +https://idx\.example/index\.yaml$", lines[4]);
        Assert.Equal(5, lines.Length);
        Assert.Contains("note: https://down.example/index.yaml failed to update", r.Stderr);

        Assert.Equal(["lwip", "musl"], Names(Kraft(dir, "pkg", "ls", "--type", "lib")));
        Assert.Equal(["lwip"], Names(Kraft(dir, "pkg", "ls", "l*p")));
        Assert.Equal(["unikraft"], Names(Kraft(dir, "pkg", "ls", "core/*")));
        Assert.Contains("no component of type plat", Kraft(dir, "pkg", "ls", "--type", "plat").Stderr);
        var bad = Kraft(dir, "pkg", "ls", "--type", "widget");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("core, lib, app, plat or arch", bad.Stderr);
    }

    static string[] Names(CliResult r) =>
        r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToArray();

    [Fact]
    public void Ls_all_versions_gives_a_row_per_channel_and_version_with_its_pin()
    {
        using var dir = new TempDir();
        WriteCache(dir);
        var r = Kraft(dir, "pkg", "ls", "--all-versions", "lwip");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches("^TYPE +NAME +VERSION +KIND +UNIKRAFT +PIN +SOURCE$", lines[0]);
        Assert.Matches($@"^lib +lwip +stable +channel \(default\) +commit {new string('c', 40)} +https://idx\.example/index\.yaml$", lines[1]);
        Assert.Matches(@"^lib +lwip +staging +channel +https://idx\.example/index\.yaml$", lines[2]);
        Assert.Matches($@"^lib +lwip +v0\.17\.0 +semver +0\.17\.0 +sha256 {new string('e', 64)} +https://idx\.example/index\.yaml$", lines[3]);
    }

    [Fact]
    public void Ls_json_has_every_field()
    {
        using var dir = new TempDir();
        WriteCache(dir);
        var r = Kraft(dir, "pkg", "ls", "-o", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var items = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        var lwip = items.Single(i => i.GetProperty("name").GetString() == "lwip");
        Assert.Equal("lib", lwip.GetProperty("type").GetString());
        Assert.Equal("stable", lwip.GetProperty("default_channel").GetString());
        Assert.Equal(new string('c', 40), lwip.GetProperty("channels")[0].GetProperty("commit").GetString());
        Assert.Equal(new string('e', 64), lwip.GetProperty("versions")[0].GetProperty("sha256").GetString());
        Assert.Equal("https://idx.example/index.yaml", lwip.GetProperty("source").GetProperty("location").GetString());
        Assert.Equal("https://down.example/index.yaml", lwip.GetProperty("shadowed_in")[0].GetProperty("location").GetString());
        var musl = items.Single(i => i.GetProperty("name").GetString() == "musl");
        Assert.True(musl.GetProperty("stale").GetBoolean());
    }

    [Fact]
    public void Info_shows_every_field_the_source_and_the_shadowed_duplicates()
    {
        using var dir = new TempDir();
        WriteCache(dir);
        var r = Kraft(dir, "pkg", "info", "lib/lwip");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("lib/lwip\n", r.Stdout);
        Assert.Contains("description: lightweight TCP/IP", r.Stdout);
        Assert.Contains("origin:      https://git.example/lib-lwip.git", r.Stdout);
        Assert.Contains("manifest:    https://idx.example/libs/lwip.yaml", r.Stdout);
        Assert.Matches(@"source: +https://idx\.example/index\.yaml \(index\), listed 2024-10-2\d", r.Stdout);
        Assert.Matches($@"stable +\(default\) +https://git\.example/lib-lwip\.git +commit {new string('c', 40)}", r.Stdout);
        Assert.Matches(@"v0\.17\.0 +semver +unikraft 0\.17\.0 +https://x/lwip\.tar\.gz +sha256 e{64}", r.Stdout);
        Assert.Contains("also offered by later sources (hidden: the first source wins):", r.Stdout);
        Assert.Contains("https://down.example/index.yaml (index): 2 channels, 1 versions, origin https://mirror.example/lwip.git", r.Stdout);
        Assert.Equal(r.Stdout, Kraft(dir, "pkg", "info", "lwip").Stdout);
        Assert.Equal(r.Stdout, Kraft(dir, "pkg", "info", "lib-lwip").Stdout);
        Assert.Contains("channels: none (use a version)", Kraft(dir, "pkg", "info", "helloworld").Stdout);
        using var json = JsonDocument.Parse(Kraft(dir, "pkg", "info", "unikraft", "-o", "json").Stdout);
        Assert.Equal("core", json.RootElement[0].GetProperty("type").GetString());
    }

    [Fact]
    public void Info_on_an_unknown_name_suggests_close_ones()
    {
        using var dir = new TempDir();
        WriteCache(dir);
        var r = Kraft(dir, "pkg", "info", "lwipp");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no component 'lwipp' in the index", r.Stderr);
        Assert.Contains("did you mean lib/lwip?", r.Stderr);
        Assert.Contains("did you mean core/unikraft?", Kraft(dir, "pkg", "info", "unikraf").Stderr);
    }

    [Fact]
    public void Ls_and_info_on_a_never_updated_cache_say_to_run_update()
    {
        using var dir = new TempDir();
        var ls = Kraft(dir, "pkg", "ls");
        Assert.Equal(0, ls.ExitCode);
        Assert.Contains("the index is empty: run kraft pkg update", ls.Stderr);
        Assert.Equal("[]", Kraft(dir, "pkg", "ls", "-o", "json").Stdout.Trim());
        var info = Kraft(dir, "pkg", "info", "lwip");
        Assert.Equal(1, info.ExitCode);
        Assert.Contains("the index is empty: run kraft pkg update", info.Stderr);
    }

    [Fact]
    public void A_damaged_cache_is_an_error_with_a_fix_not_a_crash()
    {
        using var dir = new TempDir();
        dir.Write("manifests/index.json", "{\"sources\": [");
        var r = Kraft(dir, "pkg", "ls");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the component index cache is damaged", r.Stderr);
        Assert.Contains("kraft pkg update", r.Stderr);
    }

    static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);
}
