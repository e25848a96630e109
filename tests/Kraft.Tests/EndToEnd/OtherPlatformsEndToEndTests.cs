namespace Kraft.Tests.EndToEnd;

/// <summary>
/// Machines on Xen (this host is no dom0: kraft writes the xl config and stops) and on Firecracker
/// (the FakeFirecracker stand-in, run through KRAFT_FIRECRACKER), through the published kraft.
/// </summary>
public sealed class OtherPlatformsEndToEndTests(StayAliveApp fixture) : IClassFixture<StayAliveApp>, IDisposable
{
    readonly TempDir _runtime = new();
    FixtureApp App => fixture.App;

    CliResult K(params string[] args) => K(null, args);

    CliResult K(Dictionary<string, string?>? env, params string[] args)
    {
        var all = new Dictionary<string, string?> { ["KRAFTKIT_RUNTIME_DIR"] = _runtime.Path };
        if (env is not null) foreach (var (k, v) in env) all[k] = v;
        return KraftCli.Run(App.Dir, all, TimeSpan.FromMinutes(2), args);
    }

    string MachinesDir => Path.Combine(_runtime.Path, "machines");
    string[] MachineFolders() => Directory.Exists(MachinesDir) ? Directory.GetDirectories(MachinesDir) : [];

    public void Dispose()
    {
        K("rm", "-f", "--all");
        _runtime.Dispose();
    }

    [Fact]
    public void Xen_writes_the_xl_config_says_it_needs_a_xen_host_and_rm_removes_it()
    {
        Assert.False(File.Exists("/proc/xen/capabilities"), "this test expects a host without Xen");
        // The fixture core has no Xen platform: the qemu image under a Xen image's name stands in (nothing boots it).
        var kernel = _runtime.Write("img/hello_xen-x86_64", "");
        File.Copy(App.Kernel(), kernel, overwrite: true);

        var bad = K("run", "--plat", "xen", "-p", "8080:80", "--name", "x0", kernel);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("a Xen domain has none", bad.Stderr);
        Assert.Contains("--network", bad.Stderr);
        var wrong = K("run", "--plat", "xen", "--name", "x0", App.Kernel());
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("built for qemu, not for Xen", wrong.Stderr);
        Assert.Empty(MachineFolders());

        var r = K("run", "--plat", "xen", "-M", "64Mi", "--name", "x1", kernel, "--", "hello", "a b");
        Assert.True(r.ExitCode == 0, r.ToString());
        var cfg = Path.Combine(MachinesDir, "x1", "xl.cfg");
        Assert.Equal(cfg, r.Stdout.Trim());
        Assert.Contains($"xl create {cfg} needs a Xen host (dom0)", r.Stderr);
        var text = File.ReadAllText(cfg);
        Assert.Contains("name = \"x1\"\n", text);
        Assert.Contains($"kernel = \"{kernel}\"\n", text);
        Assert.Contains("memory = 64\n", text);
        Assert.Contains("vcpus = 1\n", text);
        Assert.Contains("cmdline = \"hello 'a b'\"\n", text);

        var d = K("run", "-d", "--plat", "xen", "--name", "x2", kernel);
        Assert.True(d.ExitCode == 0, d.ToString());
        Assert.EndsWith("x2/xl.cfg", d.Stdout.Trim());
        var ps = K("ps", "-a");
        Assert.Contains("x1", ps.Stdout);
        Assert.Matches(@"x2\s.*created", ps.Stdout);
        var start = K("start", "x2");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("needs a Xen host", start.Stderr);
        Assert.Equal(0, K("rm", "x1").ExitCode);
        Assert.Equal(0, K("rm", "x2").ExitCode);
        Assert.Empty(MachineFolders());
        foreach (var x in new[] { bad, wrong, r, d, start }) Assert.DoesNotContain("   at ", x.Stderr);
    }
}
