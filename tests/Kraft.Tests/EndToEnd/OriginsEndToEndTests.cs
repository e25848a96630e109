using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kraft.Tests.Packages;

namespace Kraft.Tests.EndToEnd;

/// <summary>
/// Library origins: the fixture library libfortune downloads its source archive during the build
/// (Unikraft's fetch rule, in the fixture core); kraft asks make what it fetches, takes the
/// archive through its cache, mirrors and Kraftfile.lock, and puts it where make looks first, so
/// make's own wget (a stand-in on PATH that records being called) never runs. The archive is
/// served by a loopback HTTP server the test starts.
/// </summary>
public sealed class OriginsEndToEndTests : IDisposable
{
    readonly PackagesEnv _env = new();
    readonly LoopbackHttpServer _server = new();
    readonly TempDir _tools = new();
    readonly FixtureApp _app;
    readonly string _wgetCalled;
    byte[] _archive = Archive("fortune-1.0", "the archive was fetched");

    public OriginsEndToEndTests()
    {
        _server.Handle("/o/fortune-1.0.tar.gz", async ctx => await ctx.Response.Body.WriteAsync(_archive));
        _server.Serve("/o/fortune-long-1.0.tar.gz", Archive("fortune-long-1.0", "the long edition"));
        _wgetCalled = _tools["wget-was-called"];
        var wget = _tools.Write("bin/wget", $"#!/bin/sh\necho \"$@\" >> {_wgetCalled}\nexit 1\n");
        File.SetUnixFileMode(wget, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _app = new FixtureApp("hello", kraftfile: Kraftfile(""));
    }

    public void Dispose()
    {
        _app.Dispose();
        _server.Dispose();
        _tools.Dispose();
        _env.Dispose();
    }

    static string Kraftfile(string libKconfig) =>
        "spec: v0.6\nname: hello\nunikraft:\n  source: ../../unikraft-core\nlibraries:\n  fortune:\n    source: ../../libs/libfortune\n"
        + libKconfig + "targets:\n  - qemu/x86_64\n";

    string Url(string file) => _server.Url("/o/" + file);
    string Placed(string file = "fortune-1.0.tar.gz") => _app[$".unikraft/build/targets/hello_qemu-x86_64/libfortune/{file}"];

    CliResult Kraft(IDictionary<string, string?>? extra, params string[] args)
    {
        var env = _env.CliEnv;
        env["PATH"] = _tools["bin"] + ":" + Environment.GetEnvironmentVariable("PATH");
        env["FIXTURE_ORIGIN_URL"] = _server.Url("/o");
        env["FIXTURE_ORIGIN_SHA256"] = null;
        if (extra is not null) foreach (var (k, v) in extra) env[k] = v;
        return KraftCli.Run(_app.Dir, env, TimeSpan.FromMinutes(3), args);
    }

    CliResult Kraft(params string[] args) => Kraft(null, args);

    void Mirrors(params string[] mirrors) =>
        _env_Write("config.yaml", "unikraft:\n  mirrors:\n" + string.Concat(mirrors.Select(m => $"    - {m}\n")));

    void _env_Write(string name, string text)
    {
        Directory.CreateDirectory(_env.ConfigDir);
        File.WriteAllText(Path.Combine(_env.ConfigDir, name), text);
    }

    /// <summary>A .tar.gz holding DIR/fortune.c, whose init hook prints "fortune: TEXT".</summary>
    static byte[] Archive(string dir, string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Ustar))
        {
            var source = "#include <stdio.h>\n#include <uk/init.h>\nstatic int fortune_init(void)\n{\n\tprintf(\"fortune: "
                + text + "\\n\");\n\treturn 0;\n}\nuk_initcall(fortune_init);\n";
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0x1ed });
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, dir + "/fortune.c")
            {
                Mode = (UnixFileMode)0x1a4,
                DataStream = new MemoryStream(Encoding.ASCII.GetBytes(source)),
            });
        }
        return ms.ToArray();
    }

    static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Fact]
    public void Fetches_through_the_cache_records_the_sha256_and_make_never_starts_wget()
    {
        var r = Kraft("build");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(_wgetCalled), "make ran wget: " + (File.Exists(_wgetCalled) ? File.ReadAllText(_wgetCalled) : ""));
        Assert.Equal(_archive, File.ReadAllBytes(Placed()));
        Assert.True(File.Exists(_app[".unikraft/build/targets/hello_qemu-x86_64/libfortune/fortune.o"]));
        var lockText = File.ReadAllText(_app["Kraftfile.lock"]);
        Assert.Contains("origins:", lockText);
        Assert.Contains($"sha256: {Sha(_archive)}", lockText);
        Assert.Contains(Url("fortune-1.0.tar.gz"), lockText);
        Assert.Equal(1, _server.CountRequests("/o/"));

        var dry = Kraft("build", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Matches(@"libfortune\s+fortune-1\.0\.tar\.gz\s+placed", dry.Stdout);

        // A new build folder: the archive comes from kraft's cache, checked against the lock.
        Directory.Delete(_app[".unikraft/build"], recursive: true);
        var dry2 = Kraft("build", "--dry-run");
        Assert.Contains("known once the target is configured", dry2.Stdout);
        var again = Kraft("build");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(1, _server.CountRequests("/o/"));
        Assert.False(File.Exists(_wgetCalled));
        var dry3 = Kraft("build", "--dry-run");
        Assert.Matches(@"libfortune\s+fortune-1\.0\.tar\.gz\s+placed", dry3.Stdout);

        // The server's file changes: a fresh cache and build folder download it again and the lock stops the build.
        _archive = Archive("fortune-1.0", "tampered");
        Directory.Delete(_app[".unikraft/build"], recursive: true);
        Directory.Delete(Path.Combine(_env.SourcesDir, "archives"), recursive: true);
        var changed = Kraft("build");
        Assert.NotEqual(0, changed.ExitCode);
        Assert.Contains(Sha(_archive), changed.Stderr);
        Assert.Contains("Kraftfile.lock records", changed.Stderr);
        Assert.Contains(lockText.Split("sha256: ").Last().Trim()[..64], changed.Stderr);
        Assert.False(File.Exists(Placed()));
        Assert.DoesNotContain("Unhandled", changed.Output);
    }

    [Fact]
    public void The_sha256_the_library_declares_is_checked()
    {
        var wrong = new string('0', 64);
        var r = Kraft(new Dictionary<string, string?> { ["FIXTURE_ORIGIN_SHA256"] = wrong }, "build");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("libfortune", r.Stderr);
        Assert.Contains(wrong, r.Stderr);
        Assert.Contains(Sha(_archive), r.Stderr);
        Assert.Contains("the library declares", r.Stderr);
        Assert.False(File.Exists(Placed()));

        var ok = Kraft(new Dictionary<string, string?> { ["FIXTURE_ORIGIN_SHA256"] = Sha(_archive) }, "build");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.False(File.Exists(_wgetCalled));
    }

    [Fact]
    public void Mirror_folder_serves_offline_and_a_url_prefix_comes_before_upstream()
    {
        using var mirror = new TempDir();
        File.WriteAllBytes(mirror["fortune-1.0.tar.gz"], _archive);
        Mirrors(mirror.Path);
        var r = Kraft("build", "--offline");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, _server.CountRequests("/o/"));
        Assert.Equal(_archive, File.ReadAllBytes(Placed()));

        // A URL prefix mirror, tried before the library's URL.
        _server.Serve("/mirror/fortune-1.0.tar.gz", _archive);
        Mirrors(_server.Url("/mirror"));
        Directory.Delete(_app[".unikraft/build"], recursive: true);
        Directory.Delete(Path.Combine(_env.SourcesDir, "archives"), recursive: true);
        var viaUrl = Kraft("build");
        Assert.True(viaUrl.ExitCode == 0, viaUrl.ToString());
        Assert.Equal(1, _server.CountRequests("/mirror/"));
        Assert.Equal(0, _server.CountRequests("/o/"));

        // prioritize_origin: the library's own URL first.
        _env_Write("config.yaml", "");
        Directory.CreateDirectory(_env.ConfigDir);
        var rc = Path.Combine(_env.Root, "home", ".kraftrc");
        Directory.CreateDirectory(Path.GetDirectoryName(rc)!);
        File.WriteAllText(rc, $"[fetch]\nmirrors = [\"{_server.Url("/mirror")}\"]\nprioritize_origin = true\n");
        Directory.Delete(_app[".unikraft/build"], recursive: true);
        Directory.Delete(Path.Combine(_env.SourcesDir, "archives"), recursive: true);
        var originFirst = Kraft("build");
        Assert.True(originFirst.ExitCode == 0, originFirst.ToString());
        Assert.Equal(1, _server.CountRequests("/o/"));
        Assert.Equal(1, _server.CountRequests("/mirror/"));
    }

    [Fact]
    public void Missing_archives_name_the_library_the_url_and_the_mirrors_tried()
    {
        using var mirror = new TempDir();
        Mirrors(mirror.Path, _server.Url("/nothing"));
        var offline = Kraft("build", "--offline");
        Assert.NotEqual(0, offline.ExitCode);
        Assert.Contains("libfortune", offline.Stderr);
        Assert.Contains(Url("fortune-1.0.tar.gz"), offline.Stderr);
        Assert.Contains(mirror["fortune-1.0.tar.gz"], offline.Stderr);
        Assert.Contains("offline", offline.Stderr);
        Assert.Equal(0, _server.CountRequests("/"));

        _server.Serve("/o/fortune-1.0.tar.gz", "gone", "text/plain", 404);
        var notFound = Kraft("build");
        Assert.NotEqual(0, notFound.ExitCode);
        Assert.Contains("libfortune", notFound.Stderr);
        Assert.Contains(Url("fortune-1.0.tar.gz"), notFound.Stderr);
        Assert.Contains("404", notFound.Stderr);
        Assert.Contains(_server.Url("/nothing/fortune-1.0.tar.gz"), notFound.Stderr);
        Assert.Contains(mirror["fortune-1.0.tar.gz"], notFound.Stderr);
        Assert.False(File.Exists(_wgetCalled));
        Assert.DoesNotContain("Unhandled", notFound.Output);
    }

    [Fact]
    public void A_download_cut_off_halfway_leaves_nothing_and_the_next_build_succeeds()
    {
        var cut = true;
        _server.Handle("/o/fortune-1.0.tar.gz", async ctx =>
        {
            if (!cut) { await ctx.Response.Body.WriteAsync(_archive); return; }
            ctx.Response.ContentLength = _archive.Length;
            await ctx.Response.Body.WriteAsync(_archive.AsMemory(0, _archive.Length / 2));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
        });
        var r = Kraft("build");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("libfortune", r.Stderr);
        Assert.False(File.Exists(Placed()));
        var archives = Path.Combine(_env.SourcesDir, "archives");
        Assert.True(!Directory.Exists(archives) || Directory.GetFiles(archives).Length == 0,
            string.Join(", ", Directory.Exists(archives) ? Directory.GetFiles(archives) : []));

        cut = false;
        var ok = Kraft("build");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(_archive, File.ReadAllBytes(Placed()));
    }

    [Fact]
    public void The_configuration_chooses_the_archive_and_pkg_pull_prefetches_it_for_an_offline_build()
    {
        File.WriteAllText(_app["Kraftfile"], Kraftfile("    kconfig:\n      CONFIG_LIBFORTUNE_LONG: 'y'\n")
            .Replace("../../", TestPaths.Fixtures + "/"));
        var locked = Kraft("build", "--locked");
        Assert.NotEqual(0, locked.ExitCode);

        var pull = Kraft("pkg", "pull");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains("fortune-long-1.0.tar.gz", pull.Output);
        Assert.Equal(1, _server.CountRequests("/o/fortune-long-1.0.tar.gz"));
        Assert.Equal(0, _server.CountRequests("/o/fortune-1.0.tar.gz"));

        var dry = Kraft("build", "--dry-run");
        Assert.Matches(@"libfortune\s+fortune-long-1\.0\.tar\.gz\s+placed", dry.Stdout);
        var offline = Kraft("build", "--offline", "--locked");
        Assert.True(offline.ExitCode == 0, offline.ToString());
        Assert.Equal(1, _server.CountRequests("/o/"));
        Assert.False(File.Exists(_wgetCalled));
    }
}

/// <summary>A Kraftfile <c>template:</c> supplies the application: its Kraftfile under the project's, its tree as A=.</summary>
public sealed class TemplateEndToEndTests
{
    [Fact]
    public void The_template_supplies_the_app_and_the_project_values_win()
    {
        using var template = new FixtureApp("hello-lib");
        using var project = new TempDir();
        File.WriteAllText(project["Kraftfile"],
            $"spec: v0.6\nname: mine\ntemplate: {template.Dir}\nlibraries:\n  greet:\n    kconfig:\n      CONFIG_LIBGREET_NAME: \"Project\"\ntargets:\n  - qemu/x86_64\n");
        var r = KraftCli.Run(project.Path, "build", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("template hello-lib sets libraries.greet.kconfig CONFIG_LIBGREET_NAME to Kraft.NET; the project's Project is used", r.Output);
        Assert.True(File.Exists(project[".unikraft/build/mine_qemu-x86_64"]));
        Assert.Contains("CONFIG_LIBGREET_NAME=\"Project\"", File.ReadAllText(project[".config.mine_qemu-x86_64"]));
        // The template's tree is the app make builds (its main.c, its Config.uk's options).
        Assert.Contains("CONFIG_APPHELLOLIB_PRINTARGS=y", File.ReadAllText(project[".config.mine_qemu-x86_64"]));
    }

    /// <summary>
    /// The catalog's shape: a template named by a git URL and a channel. Before anything is fetched the
    /// plan says so instead of failing, and 'kraft pkg pull' fetches the template too (its Config.uk
    /// holds options the project asks for, so configuring without it failed).
    /// </summary>
    [Fact]
    public void A_git_template_is_planned_before_it_is_fetched_and_pulled_by_pkg_pull()
    {
        using var template = new FixtureApp("hello-lib");
        using var repos = new TempDir();
        var repo = repos["app-greeter"];
        FixtureApp.CopyTree(template.Dir, repo);
        foreach (var args in new[] { ["init", "-q", "-b", "stable"], ["add", "-A"], new[] { "-c", "user.email=t@example.org", "-c", "user.name=test", "commit", "-q", "-m", "template" } })
            Assert.True(Kraft.Host.ProcessRunner.Run("git", args, repo).Succeeded);
        using var project = new TempDir();
        File.WriteAllText(project["Kraftfile"],
            $"spec: v0.6\nname: mine\ntemplate:\n  source: file://{repo}\n  version: stable\nunikraft:\n  kconfig:\n    CONFIG_APPHELLOLIB_PRINTARGS: 'n'\ntargets:\n  - qemu/x86_64\n");

        var plan = KraftCli.Run(project.Path, "build", "--dry-run");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("is not fetched yet, so the plan shows the project without it", plan.Output);

        var pull = KraftCli.Run(project.Path, "pkg", "pull");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains("app/greeter: template", pull.Output);
        Assert.True(File.Exists(project[".unikraft/apps/greeter/Kraftfile"]), pull.ToString());
        Assert.Contains("name: greeter", File.ReadAllText(project["Kraftfile.lock"]));
        // Configured with the template's tree: the option it defines has the project's value.
        Assert.Contains("# CONFIG_APPHELLOLIB_PRINTARGS is not set", File.ReadAllText(project[".config.mine_qemu-x86_64"]));

        var after = KraftCli.Run(project.Path, "build", "--dry-run");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.DoesNotContain("not fetched yet", after.Output);
        Assert.Contains("greet", after.Output);
    }

    [Fact]
    public void A_template_without_a_Kraftfile_is_a_clear_error()
    {
        using var project = new TempDir();
        Directory.CreateDirectory(project["tpl"]);
        File.WriteAllText(project["Kraftfile"], "spec: v0.6\nname: mine\ntemplate: ./tpl\ntargets:\n  - qemu/x86_64\n");
        var r = KraftCli.Run(project.Path, "build");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("has no Kraftfile", r.Stderr);
        Assert.Contains("Kraftfile:3", r.Stderr);
        Assert.DoesNotContain("Unhandled", r.Output);
    }
}
