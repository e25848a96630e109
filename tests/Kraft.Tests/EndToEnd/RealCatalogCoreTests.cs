namespace Kraft.Tests.EndToEnd;

/// <summary>
/// catalog-core apps (KRAFT_TEST_CATALOG_CORE, a unikraft/catalog-core checkout) built by kraft
/// against a real Unikraft (KRAFT_TEST_UNIKRAFT: RELEASE-0.16.3 or 0.17.0) and run under QEMU
/// with emulation. catalog-core apps are make-based: the test writes each one a Kraftfile.
/// c-http also needs lib-lwip (KRAFT_TEST_LIB_LWIP; for 0.17.0 one that has uk/random.h) and a
/// folder holding lwip's archive UNIKRAFT-2_1_x.zip (KRAFT_TEST_MIRROR, used as unikraft.mirrors).
/// c-hello with musl needs lib-musl (KRAFT_TEST_LIB_MUSL) and the mirror with musl-1.2.3.tar.gz;
/// elfloader-basic needs app-elfloader (KRAFT_TEST_APP_ELFLOADER, RELEASE-0.16.3: it does not build
/// with 0.17.0), lib-libelf (KRAFT_TEST_LIB_LIBELF), lib-lwip and the mirror (app-elfloader's Kraftfile names lwip).
/// sqlite also needs lib-sqlite (KRAFT_TEST_LIB_SQLITE) and the mirror with its amalgamation.
/// Skipped when those are unset (CI has no internet and none of these).
/// </summary>
public class RealCatalogCoreTests
{
    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } p ? p : null;

    static (string App, Dictionary<string, string?> Env) App(TempDir dir, string name, string kraftfileTail)
    {
        var catalog = Env("KRAFT_TEST_CATALOG_CORE");
        var unikraft = Env("KRAFT_TEST_UNIKRAFT");
        Skip.If(catalog is null || unikraft is null, "set KRAFT_TEST_CATALOG_CORE (a catalog-core checkout) and KRAFT_TEST_UNIKRAFT (Unikraft RELEASE-0.16.3 or 0.17.0) to run this test");
        var app = Path.Combine(dir.Path, name);
        FixtureApp.CopyTree(Path.Combine(catalog!, name), app);
        // 0.17.0's random library needs RDSEED, which QEMU before 8.1.3 does not emulate; these apps do not need it.
        var noRandom = File.Exists(Path.Combine(unikraft!, "lib", "ukrandom", "Config.uk")) ? "    CONFIG_LIBUKRANDOM: 'n'\n" : "";
        File.WriteAllText(Path.Combine(app, "Kraftfile"),
            $"spec: v0.6\nname: {name}\nunikraft:\n  source: {unikraft}\n  kconfig:\n{noRandom}{kraftfileTail}targets:\n  - qemu/x86_64\n");
        return (app, new Dictionary<string, string?> { ["KRAFTKIT_RUNTIME_DIR"] = dir["runtime"] });
    }

    [SkippableFact]
    public void C_fs_reads_a_file_through_a_9pfs_volume_and_through_a_rootfs_directory()
    {
        using var dir = new TempDir();
        var (app, env) = App(dir, "c-fs",
            "    CONFIG_LIBVFSCORE_AUTOMOUNT_UP: 'y'\n    CONFIG_LIBRAMFS: 'y'\n    CONFIG_LIBUKCPIO: 'y'\n"
            + "    CONFIG_LIB9PFS: 'y'\n    CONFIG_LIBUK9P: 'y'\n    CONFIG_LIBVIRTIO_9P: 'y'\n");
        var build = KraftCli.Run(app, env, TimeSpan.FromMinutes(20), "build", "-j2");
        Assert.True(build.ExitCode == 0, build.ToString());
        var share = dir.Write("share/greeting.txt", "hello from a 9pfs share\n");

        var atRoot = KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "run", "-W", "--rm", "-v", Path.GetDirectoryName(share) + ":/", "--", "/greeting.txt");
        Assert.True(atRoot.ExitCode == 0, atRoot.ToString());
        Assert.Contains("hello from a 9pfs share", atRoot.Stdout);

        var both = KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "run", "-W", "--rm", "--rootfs", "./rootfs",
            "-v", Path.GetDirectoryName(share) + ":/data", "--", "/hello.txt", "/data/greeting.txt");
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Contains(File.ReadAllText(Path.Combine(app, "rootfs", "hello.txt")).Trim(), both.Stdout);
        Assert.Contains("hello from a 9pfs share", both.Stdout);
    }

    [SkippableFact]
    public void C_http_answers_curl_through_a_published_port()
    {
        var lwip = Env("KRAFT_TEST_LIB_LWIP");
        var mirror = Env("KRAFT_TEST_MIRROR");
        Skip.If(lwip is null || mirror is null, "set KRAFT_TEST_LIB_LWIP (lib-lwip matching KRAFT_TEST_UNIKRAFT) and KRAFT_TEST_MIRROR (a folder with UNIKRAFT-2_1_x.zip) to run this test");
        using var dir = new TempDir();
        var (app, env) = App(dir, "c-http", "    CONFIG_LIBUKNETDEV_EINFO_LIBPARAM: 'y'\n    CONFIG_LWIP_DHCP: 'y'\n");
        File.AppendAllText(Path.Combine(app, "Kraftfile"), $"libraries:\n  lwip:\n    source: {lwip}\n");
        dir.Write("config/config.yaml", $"unikraft:\n  mirrors:\n    - {mirror}\n");
        env["KRAFTKIT_CONFIG_DIR"] = dir["config"];
        var build = KraftCli.Run(app, env, TimeSpan.FromMinutes(20), "build", "-j2");
        Assert.True(build.ExitCode == 0, build.ToString());

        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        }
        var run = KraftCli.Run(app, env, TimeSpan.FromMinutes(1), "run", "-d", "-W", "--name", "http", "-p", $"127.0.0.1:{port}:8080");
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? body = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (body is null && DateTime.UtcNow < deadline)
            {
                try { body = http.GetStringAsync($"http://127.0.0.1:{port}/").GetAwaiter().GetResult(); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Thread.Sleep(500); }
            }
            Assert.True(body is not null, KraftCli.Run(app, env, TimeSpan.FromSeconds(30), "logs", "http").ToString());
            Assert.Contains("Hello from Unikraft!", body);
        }
        finally
        {
            KraftCli.Run(app, env, TimeSpan.FromSeconds(30), "rm", "-f", "http");
        }
    }

    /// <summary>The mirror as kraft's unikraft.mirrors, in a config dir of the test's own.</summary>
    static void UseMirror(TempDir dir, Dictionary<string, string?> env, string mirror)
    {
        dir.Write("config/config.yaml", $"unikraft:\n  mirrors:\n    - {mirror}\n");
        env["KRAFTKIT_CONFIG_DIR"] = dir["config"];
    }

    [SkippableFact]
    public void C_hello_with_musl_instead_of_nolibc_prints_its_greeting()
    {
        var musl = Env("KRAFT_TEST_LIB_MUSL");
        var mirror = Env("KRAFT_TEST_MIRROR");
        Skip.If(musl is null || mirror is null, "set KRAFT_TEST_LIB_MUSL (a lib-musl checkout) and KRAFT_TEST_MIRROR (a folder with musl-1.2.3.tar.gz) to run this test");
        using var dir = new TempDir();
        var (app, env) = App(dir, "c-hello", "    CONFIG_LIBMUSL: 'y'\n");
        File.AppendAllText(Path.Combine(app, "Kraftfile"), $"libraries:\n  musl:\n    source: {musl}\n");
        UseMirror(dir, env, mirror!);
        var build = KraftCli.Run(app, env, TimeSpan.FromMinutes(30), "build", "-j2");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("musl-1.2.3.tar.gz", File.ReadAllText(Path.Combine(app, "Kraftfile.lock")));
        var run = KraftCli.Run(app, env, TimeSpan.FromMinutes(2), "run", "-W", "--rm");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Hello from Unikraft!", run.Stdout);
    }

    /// <summary>
    /// catalog-core sqlite: lib-sqlite (KRAFT_TEST_LIB_SQLITE) on musl, its amalgamation from the
    /// mirror (tests/make-origin-mirror.sh makes it from Debian's sqlite3 source), the app's
    /// chinook.db in the rootfs, a query given as arguments.
    /// </summary>
    [SkippableFact]
    public void Sqlite_on_musl_answers_a_query_on_the_database_in_its_rootfs()
    {
        var musl = Env("KRAFT_TEST_LIB_MUSL");
        var sqlite = Env("KRAFT_TEST_LIB_SQLITE");
        var mirror = Env("KRAFT_TEST_MIRROR");
        Skip.If(musl is null || sqlite is null || mirror is null,
            "set KRAFT_TEST_LIB_MUSL, KRAFT_TEST_LIB_SQLITE and KRAFT_TEST_MIRROR (musl-1.2.3.tar.gz, sqlite-amalgamation-3400100.zip: tests/make-origin-mirror.sh) to run this test");
        using var dir = new TempDir();
        var (app, env) = App(dir, "sqlite", "    CONFIG_LIBVFSCORE_AUTOMOUNT_UP: 'y'\n");
        File.Delete(Path.Combine(app, "Makefile"));
        File.AppendAllText(Path.Combine(app, "Kraftfile"), $"libraries:\n  musl:\n    source: {musl}\n  sqlite:\n    source: {sqlite}\n");
        UseMirror(dir, env, mirror!);
        var build = KraftCli.Run(app, env, TimeSpan.FromMinutes(40), "build", "-j2");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("sqlite-amalgamation-3400100.zip", File.ReadAllText(Path.Combine(app, "Kraftfile.lock")));
        var run = KraftCli.Run(app, env, TimeSpan.FromMinutes(3), "run", "-W", "--rm", "--rootfs", "./rootfs", "-e", "HOME=/root",
            "--", "/chinook.db", "SELECT Title FROM Album WHERE AlbumId = 2");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Balls to the Wall", run.Stdout);
    }

    [SkippableFact]
    public void Elfloader_basic_runs_its_static_pie_program_from_the_rootfs()
    {
        var elfloader = Env("KRAFT_TEST_APP_ELFLOADER");
        var libelf = Env("KRAFT_TEST_LIB_LIBELF");
        var lwip = Env("KRAFT_TEST_LIB_LWIP");
        var mirror = Env("KRAFT_TEST_MIRROR");
        Skip.If(elfloader is null || libelf is null || lwip is null || mirror is null,
            "set KRAFT_TEST_APP_ELFLOADER, KRAFT_TEST_LIB_LIBELF, KRAFT_TEST_LIB_LWIP and KRAFT_TEST_MIRROR (UNIKRAFT-2_1_x.zip) to run this test");
        Skip.If(File.Exists(Path.Combine(Env("KRAFT_TEST_UNIKRAFT") ?? "", "lib", "ukrandom", "Config.uk")),
            "app-elfloader RELEASE-0.16.3 (the newest) does not build with Unikraft 0.17.0: its arch_prctl-3u and UK_LLSYSCALL_R_U_DEFINE were renamed (-3e, _E_) by unikraft c716bcca");
        using var dir = new TempDir();
        // catalog-core builds app-elfloader with this folder as a library (its Config.uk selects the loader's options).
        var (app, env) = App(dir, "elfloader-basic",
            "    CONFIG_LIBVFSCORE_AUTOMOUNT_CI: 'y'\n    CONFIG_LIBVFSCORE_AUTOMOUNT_CI_INITRD: 'y'\n    CONFIG_OPTIMIZE_LTO: 'n'\n");
        var kraftfile = File.ReadAllText(Path.Combine(app, "Kraftfile")).Replace("name: elfloader-basic\n", $"name: elfloader-basic\ntemplate: {elfloader}\n");
        File.WriteAllText(Path.Combine(app, "Kraftfile"), kraftfile
            + $"libraries:\n  elfloader-basic:\n    source: .\n  libelf:\n    source: {libelf}\n  lwip:\n    source: {lwip}\n");
        UseMirror(dir, env, mirror!);
        var cc = global::Kraft.Host.ProcessRunner.Run("make", ["-C", Path.Combine(app, "rootfs"), "hello-c"]);
        Assert.True(cc.Succeeded, cc.CombinedOutput);
        // app-elfloader's Kraftfile names options this Unikraft does not have: --force.
        var build = KraftCli.Run(app, env, TimeSpan.FromMinutes(30), "build", "-j2", "--force");
        Assert.True(build.ExitCode == 0, build.ToString());
        // app-elfloader by itself never halts after the program exits: run detached, read the console, remove it.
        var run = KraftCli.Run(app, env, TimeSpan.FromMinutes(1), "run", "-d", "-W", "--name", "elf", "--rootfs", "./rootfs", "--", "/hello-c");
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var logs = "";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (!logs.Contains("Hello from Unikraft!") && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(1000);
                logs = KraftCli.Run(app, env, TimeSpan.FromSeconds(30), "logs", "elf").Stdout;
            }
            Assert.Contains("Hello from Unikraft!", logs);
        }
        finally
        {
            KraftCli.Run(app, env, TimeSpan.FromSeconds(30), "rm", "-f", "elf");
        }
    }
}
