namespace Kraft.Tests.EndToEnd;

/// <summary>
/// catalog-core apps (KRAFT_TEST_CATALOG_CORE, a unikraft/catalog-core checkout) built by kraft
/// against a real Unikraft (KRAFT_TEST_UNIKRAFT: RELEASE-0.16.3 or 0.17.0) and run under QEMU
/// with emulation. catalog-core apps are make-based: the test writes each one a Kraftfile.
/// c-http also needs lib-lwip (KRAFT_TEST_LIB_LWIP; for 0.17.0 one that has uk/random.h) and a
/// folder holding lwip's archive UNIKRAFT-2_1_x.zip (KRAFT_TEST_MIRROR, used as unikraft.mirrors).
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
}
