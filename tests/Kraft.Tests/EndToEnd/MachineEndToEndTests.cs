using System.Diagnostics;
using System.Text.Json;

namespace Kraft.Tests.EndToEnd;

/// <summary>A fixture guest that stays up until powered off, built once for the machine tests.</summary>
public sealed class StayAliveApp : IDisposable
{
    public FixtureApp App { get; }

    public StayAliveApp()
    {
        var text = "spec: v0.6\nname: hello\nunikraft:\n  source: " + TestPaths.FixtureCore
                   + "\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\n    CONFIG_FIXTURE_STAY_ALIVE: 'y'\ntargets:\n  - qemu/x86_64\n  - fc/x86_64\n";
        App = new FixtureApp("hello", kraftfile: text);
        foreach (var t in new[] { "qemu/x86_64", "fc/x86_64" })
        {
            var r = App.Kraft("build", "-t", t);
            if (r.ExitCode != 0) throw new InvalidOperationException(r.ToString());
        }
    }

    public void Dispose() => App.Dispose();
}

/// <summary>
/// Machines under real QEMU: run -d, ps, logs, pause, start, stop, rm, ports, faults. Every test
/// has its own runtime directory, and emulation (-W) unless it is about KVM.
/// </summary>
public sealed class MachineEndToEndTests(StayAliveApp fixture) : IClassFixture<StayAliveApp>, IDisposable
{
    readonly TempDir _runtime = new();
    FixtureApp App => fixture.App;
    string Kernel => App.Kernel();

    CliResult K(params string[] args) =>
        KraftCli.Run(App.Dir, new Dictionary<string, string?> { ["KRAFTKIT_RUNTIME_DIR"] = _runtime.Path }, TimeSpan.FromMinutes(2), args);

    string MachineDir(string name) => Path.Combine(_runtime.Path, "machines", name);

    public void Dispose()
    {
        K("rm", "-f", "--all");
        _runtime.Dispose();
    }

    static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    static bool Eventually(Func<bool> check, int ms = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms)
        {
            if (check()) return true;
            Thread.Sleep(50);
        }
        return check();
    }

    bool QemuRunsFor(string name) =>
        Directory.EnumerateDirectories("/proc").Any(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(MachineDir(name) + "/"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        });

    [Fact]
    public void Detached_life_cycle_run_ps_logs_pause_start_stop_rm()
    {
        var run = K("run", "-d", "-W", "--name", "web", "--", "served");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("web", run.Stdout.Trim());

        var ps = K("ps");
        Assert.Contains("web", ps.Stdout);
        Assert.Contains("running", ps.Stdout);
        Assert.Contains("qemu/x86_64", ps.Stdout);
        Assert.Equal("web", K("ps", "-q").Stdout.Trim());
        using (var json = JsonDocument.Parse(K("ps", "-o", "json").Stdout))
        {
            var m = json.RootElement.EnumerateArray().Single();
            Assert.Equal("running", m.GetProperty("state").GetString());
            Assert.Equal("served", m.GetProperty("args")[0].GetString());
        }
        Assert.Contains("name: \"web\"", K("ps", "-o", "yaml").Stdout);
        Assert.True(QemuRunsFor("web"));
        Assert.Contains("-name web", File.ReadAllText(Path.Combine(Directory.EnumerateDirectories("/proc")
            .First(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(MachineDir("web") + "/"); } catch (IOException) { return false; } }), "cmdline")).Replace('\0', ' '));

        Assert.True(Eventually(() => K("logs", "web").Stdout.Contains("staying alive")), "the console never showed the guest");

        var pause = K("pause", "web");
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.Contains("paused", K("ps").Stdout);
        var resume = K("start", "-d", "web");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("running", K("ps").Stdout);

        var stop = K("stop", "web");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal("web", stop.Stdout.Trim());
        Assert.DoesNotContain("web", K("ps").Stdout);
        var all = K("ps", "-a");
        Assert.Contains("exited (0)", all.Stdout);
        var logs = K("logs", "web").Stdout;
        Assert.Contains("power button pressed", logs);
        Assert.Contains("Unikraft halted", logs);
        Assert.False(QemuRunsFor("web"));

        // Started again, it runs on the same record; logs -f ends when it does.
        Assert.Equal(0, K("start", "-d", "web").ExitCode);
        CliResult? followed = null;
        var follow = new Thread(() => followed = K("logs", "-f", "web"));
        follow.Start();
        Thread.Sleep(500);
        Assert.True(follow.IsAlive, "logs -f ended while the machine ran");
        Assert.Equal(0, K("stop", "web").ExitCode);
        Assert.True(follow.Join(15_000), "logs -f did not end with the machine");
        Assert.Contains("Unikraft halted", followed!.Stdout);

        var rm = K("rm", "web");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.False(Directory.Exists(MachineDir("web")));
        Assert.Contains("no machine named 'web'", K("logs", "web").Stderr);
    }

    [Fact]
    public void A_foreground_run_leaves_a_record_for_logs_and_rm_removes_it()
    {
        using var app = new FixtureApp("hello", kraftfile: $"spec: v0.6\nname: hello\nunikraft:\n  source: {TestPaths.FixtureCore}\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\ntargets:\n  - qemu/x86_64\n");
        Assert.Equal(0, app.Kraft("build").ExitCode);
        var env = new Dictionary<string, string?> { ["KRAFTKIT_RUNTIME_DIR"] = _runtime.Path };
        var r = KraftCli.Run(app.Dir, env, TimeSpan.FromMinutes(1), "run", "-W", "--name", "fg", "--", "one");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("'one'", r.Stdout);
        var logs = KraftCli.Run(app.Dir, env, TimeSpan.FromMinutes(1), "logs", "fg");
        Assert.Contains("Calling main(2", logs.Stdout);
        Assert.Contains("exited (0)", KraftCli.Run(app.Dir, env, TimeSpan.FromMinutes(1), "ps", "-a").Stdout);

        var gone = KraftCli.Run(app.Dir, env, TimeSpan.FromMinutes(1), "run", "-W", "--rm", "--name", "once");
        Assert.Equal(0, gone.ExitCode);
        Assert.False(Directory.Exists(MachineDir("once")));
    }

    [Fact]
    public void Kill_9_of_qemu_shows_as_signal_9()
    {
        Assert.Equal(0, K("run", "-d", "-W", "--name", "victim").ExitCode);
        using var json = JsonDocument.Parse(K("ps", "-o", "json").Stdout);
        var pid = json.RootElement.EnumerateArray().Single().GetProperty("pid").GetInt32();
        Process.GetProcessById(pid).Kill();
        Assert.True(Eventually(() => K("ps", "-a").Stdout.Contains("exited (signal 9)")), K("ps", "-a").ToString());
    }

    [Fact]
    public void A_killed_supervisor_leaves_a_machine_that_qmp_still_describes_and_stop_ends()
    {
        Assert.Equal(0, K("run", "-d", "-W", "--name", "orphan").ExitCode);
        var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(MachineDir("orphan"), "status.json")));
        var supervisor = status.RootElement.GetProperty("supervisor").GetProperty("pid").GetInt32();
        Process.GetProcessById(supervisor).Kill();
        Thread.Sleep(200);
        Assert.Contains("running", K("ps").Stdout);
        Assert.Equal(0, K("pause", "orphan").ExitCode);
        Assert.Contains("paused", K("ps").Stdout);
        Assert.Equal(0, K("stop", "orphan").ExitCode);
        Assert.False(QemuRunsFor("orphan"));
        Assert.Contains("exited", K("ps", "-a").Stdout);
    }

    [Fact]
    public void Ports_are_forwarded_and_a_taken_port_is_refused_naming_its_holder()
    {
        var port = FreePort();
        var r = K("run", "-d", "-W", "--name", "p1", "-p", $"127.0.0.1:{port}:80");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"127.0.0.1:{port}->80/tcp", K("ps").Stdout);
        // QEMU's user-mode network listens on the host port.
        using (var c = new System.Net.Sockets.TcpClient()) c.Connect("127.0.0.1", port);

        var clash = K("run", "-d", "-W", "--name", "p2", "-p", $"{port}:8080");
        Assert.Equal(1, clash.ExitCode);
        Assert.Contains($"is already in use by machine 'p1'", clash.Stderr);
        Assert.False(Directory.Exists(MachineDir("p2")));

        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var held = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var busy = K("run", "-d", "-W", "-p", $"{held}:80");
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains($"(pid {Environment.ProcessId})", busy.Stderr);
    }

    [Fact]
    public void Bad_input_is_refused_before_boot_and_creates_nothing()
    {
        var fc = K("run", "-d", "-W", App.Kernel(plat: "fc"));
        Assert.Equal(1, fc.ExitCode);
        Assert.Contains("built for Firecracker", fc.Stderr);
        var dbg = K("run", "-W", Kernel + ".dbg");
        Assert.Equal(1, dbg.ExitCode);
        Assert.Contains("debug ELF", dbg.Stderr);
        var mem = K("run", "-W", "-M", "1M");
        Assert.Equal(1, mem.ExitCode);
        Assert.Contains("too little", mem.Stderr);
        Assert.Contains("KiB image is loaded at 0x100000", mem.Stderr);
        var smp = K("run", "-W", "--smp", "2");
        Assert.Equal(1, smp.ExitCode);
        Assert.Contains("at most 1 CPU", smp.Stderr);
        var port = K("run", "-W", "-p", "80:80:80:80");
        Assert.Equal(1, port.ExitCode);
        Assert.Contains("invalid port mapping", port.Stderr);
        var name = K("run", "-W", "--name", "../x");
        Assert.Contains("invalid machine name", name.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_runtime.Path, "machines")) && Directory.EnumerateDirectories(Path.Combine(_runtime.Path, "machines")).Any());

        Assert.Equal(0, K("run", "--no-start", "--name", "webserver").ExitCode);
        var typo = K("stop", "webservr");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("did you mean 'webserver'?", typo.Stderr);
        Assert.Contains("already in use", K("run", "--no-start", "--name", "webserver").Stderr);
        Assert.Contains("created", K("ps", "-a").Stdout);
        foreach (var r in new[] { fc, dbg, mem, smp, port, name, typo }) Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Ten_detached_runs_at_once_get_ten_names_and_ports_and_rm_all_leaves_nothing()
    {
        var ports = Enumerable.Range(0, 10).Select(_ => FreePort()).Distinct().ToList();
        var runs = ports.AsParallel().WithDegreeOfParallelism(10).Select(p => K("run", "-d", "-W", "-p", $"127.0.0.1:{p}:80")).ToList();
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var names = runs.Select(r => r.Stdout.Trim()).ToList();
        Assert.Equal(ports.Count, names.Distinct().Count());
        Assert.Equal(ports.Count, K("ps", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var rm = K("rm", "-f", "--all");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_runtime.Path, "machines")));
        Assert.All(names, n => Assert.False(QemuRunsFor(n)));
    }

    [Fact]
    public void Kill_9_of_a_foreground_kraft_takes_its_qemu_along()
    {
        var psi = new ProcessStartInfo(TestPaths.KraftBinary) { WorkingDirectory = App.Dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "run", "-W", "--name", "fgkill" }) psi.ArgumentList.Add(a);
        psi.Environment["KRAFTKIT_RUNTIME_DIR"] = _runtime.Path;
        using var kraft = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && kraft.StandardOutput.ReadLine() is { } line)
            if (line.Contains("staying alive")) break;
        Assert.True(QemuRunsFor("fgkill"));
        kraft.Kill();
        Assert.True(Eventually(() => !QemuRunsFor("fgkill"), 5000), "QEMU outlived its foreground kraft");
        Assert.Contains("exited (status unknown)", K("ps", "-a").Stdout);
        Assert.Equal(0, K("rm", "fgkill").ExitCode);
    }

    [Fact]
    public void Kill_9_of_kraft_during_run_d_leaves_a_removable_machine_and_no_orphan()
    {
        var psi = new ProcessStartInfo(TestPaths.KraftBinary) { WorkingDirectory = App.Dir, RedirectStandardOutput = true };
        foreach (var a in new[] { "run", "-d", "-W", "--name", "cut" }) psi.ArgumentList.Add(a);
        psi.Environment["KRAFTKIT_RUNTIME_DIR"] = _runtime.Path;
        using var kraft = Process.Start(psi)!;
        Assert.True(Eventually(() => Directory.Exists(MachineDir("cut")), 10_000));
        kraft.Kill();
        kraft.WaitForExit();
        Assert.Contains("cut", K("ps", "-a").Stdout);
        var rm = K("rm", "-f", "cut");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.False(Directory.Exists(MachineDir("cut")));
        Assert.True(Eventually(() => !QemuRunsFor("cut"), 5000));
    }

    [SkippableFact]
    public void Kvm_that_cannot_run_the_guest_falls_back_to_emulation_once_and_remembers()
    {
        Skip.IfNot(File.Exists("/dev/kvm"), "no /dev/kvm on this host");
        var first = K("run", "-d", "--name", "k1");
        Assert.True(first.ExitCode == 0, first.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(MachineDir("k1"), "status.json")));
        var accel = json.RootElement.GetProperty("accel").GetString();
        Skip.If(accel == "Kvm", "KVM runs the fixture guest on this host");
        Assert.Contains("KVM", File.ReadAllText(Path.Combine(MachineDir("k1"), "vmm.log")));
        var verdicts = Path.Combine(_runtime.Path, "accel-verdicts");
        Assert.Contains("\ttcg\t", File.ReadAllText(verdicts));
        var second = K("run", "-d", "--name", "k2");
        Assert.Contains("KVM could not run a guest on this host before", second.Stderr);
        var forced = K("run", "-d", "--accel", "tcg", "--name", "k3");
        Assert.DoesNotContain("KVM", forced.Stderr);
    }
}
