using System.Diagnostics;

namespace Kraft.Tests.EndToEnd;

/// <summary><c>kraft run</c> of fixture kernels under real QEMU (emulation on hosts without usable KVM).</summary>
public class RunEndToEndTests
{
    /// <summary>The fixture core, like Unikraft 0.17, turns on its RDSEED-needing random library by default.</summary>
    const string NoRandom = "unikraft:\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'";

    static FixtureApp Built(string app = "hello", string? extra = null, string target = "qemu/x86_64")
    {
        var a = new FixtureApp(app, extra);
        var r = a.Kraft("build", "-t", target);
        Assert.True(r.ExitCode == 0, r.ToString());
        return a;
    }

    static string WithCore(string kconfig) =>
        $"unikraft:\n  source: {TestPaths.FixtureCore}\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'\n{kconfig}";

    static FixtureApp BuiltWith(string kconfigLines, string target = "qemu/x86_64")
    {
        var text = $"spec: v0.6\nname: hello\n{WithCore(kconfigLines)}\ntargets:\n  - qemu/x86_64\n  - qemu/arm64\ncmd: [\"from\", \"kraftfile\"]\n";
        var a = new FixtureApp("hello", kraftfile: text);
        var r = a.Kraft("build", "-t", target);
        Assert.True(r.ExitCode == 0, r.ToString());
        return a;
    }

    [Fact]
    public void Boots_prints_the_console_and_exits_zero_on_halt()
    {
        using var app = BuiltWith("");
        var r = app.Kraft("run", "--", "a", "b c");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Powered by Kraft.NET fixture", r.Stdout);
        Assert.Contains($"Calling main(3, ['{app.Kernel()}', 'a', 'b c'])", r.Stdout);
        Assert.Contains("Unikraft halted", r.Stdout);
    }

    [Fact]
    public void Uses_the_kraftfile_cmd_without_arguments_and_passes_library_parameters()
    {
        using var app = BuiltWith("");
        var r = app.Kraft("run", "-a", "greet.name=x");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("libparam: greet.name=x", r.Stdout);
        Assert.Contains("'from', 'kraftfile'", r.Stdout);
    }

    [Fact]
    public void A_guest_crash_exits_non_zero()
    {
        using var app = BuiltWith("    CONFIG_FIXTURE_CRASH: 'y'");
        var r = app.Kraft("run");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Crashing", r.Stdout);
        Assert.Contains("crash", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_missing_rdseed_under_emulation_is_explained()
    {
        using var app = Built();
        var r = app.Kraft("run", "-W");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Could not initialize the HWRNG", r.Stdout);
        Assert.Contains("RDSEED", r.Stderr);
        Assert.Contains("CONFIG_LIBUKRANDOM", r.Stderr);
    }

    [Fact]
    public void Boots_arm64_under_emulation()
    {
        using var app = BuiltWith("", "qemu/arm64");
        var r = app.Kraft("run", "-m", "arm64", "--", "x");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Calling main(2, ['hello', 'x'])", r.Stdout);
        Assert.Contains("emulating arm64", r.Output);
    }

    [Fact]
    public void Runs_a_kernel_file_directly_and_checks_its_architecture()
    {
        using var app = BuiltWith("");
        using var elsewhere = new TempDir();
        var r = KraftCli.Run(elsewhere.Path, "run", app.Kernel(), "--", "direct");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("'direct'", r.Stdout);

        var wrong = KraftCli.Run(elsewhere.Path, "run", "-m", "arm64", app.Kernel());
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("x86_64 kernel", wrong.Stderr);
    }

    [Fact]
    public void Dry_run_prints_the_qemu_command()
    {
        using var app = BuiltWith("");
        var r = app.Kraft("run", "--dry-run", "-M", "128Mi", "--smp", "2", "--", "z");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("qemu-system-x86_64", r.Stdout);
        Assert.Contains("isa-debug-exit", r.Stdout);
        Assert.Contains("-m 128M", r.Stdout);
        Assert.Contains("cpus=2", r.Stdout);
        Assert.Contains(app.Kernel(), r.Stdout);
    }

    [Fact]
    public void Env_options_reach_the_guest_as_env_vars()
    {
        using var app = BuiltWith("");
        var r = app.Kraft("run", "--dry-run", "-e", "A=1", "--env", "GREETING=hello world", "--", "z");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("env.vars=[ A=1 ", r.Stdout);
        Assert.Contains("GREETING=hello world", r.Stdout);

        var bad = app.Kraft("run", "--dry-run", "-e", "=x");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not a variable name", bad.Stderr);
        Assert.DoesNotContain("   at ", bad.Stderr);
    }

    [Fact]
    public void Bad_inputs_are_clear_errors()
    {
        using var app = new FixtureApp();
        var notBuilt = app.Kraft("run");
        Assert.Equal(1, notBuilt.ExitCode);
        Assert.Contains("not built yet", notBuilt.Stderr);
        Assert.Contains("kraft build", notBuilt.Stderr);

        var notElf = app.Kraft("run", app["Kraftfile"]);
        Assert.Equal(1, notElf.ExitCode);
        Assert.Contains("not an ELF", notElf.Stderr);

        var badArg = app.Kraft("run", "-a", "nodot", "--dry-run");
        Assert.Equal(1, badArg.ExitCode);
        Assert.DoesNotContain("   at ", badArg.Stderr);
    }

    [Fact]
    public void A_missing_qemu_names_the_package()
    {
        using var app = BuiltWith("");
        var r = KraftCli.Run(app.Dir, new Dictionary<string, string?> { ["PATH"] = "/nonexistent" }, TimeSpan.FromMinutes(1), "run");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("qemu-system-x86_64", r.Stderr);
        Assert.Contains("apt-get install -y qemu-system-x86", r.Stderr);
    }

    [Fact]
    public void Ctrl_c_stops_the_vm_and_leaves_nothing_running()
    {
        using var app = BuiltWith("    CONFIG_FIXTURE_STAY_ALIVE: 'y'");
        var psi = new ProcessStartInfo(TestPaths.KraftBinary) { WorkingDirectory = app.Dir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("run");
        psi.Environment["CI"] = "true";
        psi.Environment["KRAFTKIT_RUNTIME_DIR"] = KraftCli.RuntimeDir;
        using var kraft = Process.Start(psi)!;
        var sawAlive = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && kraft.StandardOutput.ReadLine() is { } line)
            if (line.Contains("staying alive")) { sawAlive = true; break; }
        Assert.True(sawAlive, "the guest never said it was alive");
        Assert.True(QemuRunningWith(app.Kernel()));

        Kraft.Host.ProcessRunner.Run("kill", ["-INT", kraft.Id.ToString()]);
        Assert.True(kraft.WaitForExit(15_000), "kraft did not stop after SIGINT");
        Assert.Equal(130, kraft.ExitCode);
        Thread.Sleep(200);
        Assert.False(QemuRunningWith(app.Kernel()), "QEMU is still running");
    }

    static bool QemuRunningWith(string kernel) =>
        Kraft.Host.ProcessRunner.Run("pgrep", ["-f", kernel]).StandardOutput.Trim().Length > 0;
}
