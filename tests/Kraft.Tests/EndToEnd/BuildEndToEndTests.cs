namespace Kraft.Tests.EndToEnd;

/// <summary><c>kraft build</c> and <c>kraft clean</c>, run as the published binary against the fixture core.</summary>
public class BuildEndToEndTests
{
    [Fact]
    public void Version_prints_and_exits_zero()
    {
        using var t = new TempDir();
        var r = KraftCli.Run(t.Path, "--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^kraft \d+\.\d+\.\d+ ", r.Stdout);
    }

    [Fact]
    public void Builds_then_skips_an_unchanged_project_then_rebuilds_after_a_change()
    {
        using var app = new FixtureApp();
        var first = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("configuring hello (qemu/x86_64)", first.Stdout);
        Assert.Contains("built in", first.Stdout);
        Assert.True(File.Exists(app.Kernel()));
        Assert.True(File.Exists(app.Kernel() + ".dbg"));
        var config = File.ReadAllText(app[".config.hello_qemu-x86_64"]);
        Assert.Contains("CONFIG_KVM_VMM_QEMU=y", config);
        Assert.Contains("CONFIG_UK_NAME=\"hello\"", config);

        var second = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.Stdout);
        Assert.DoesNotContain("configuring", second.Stdout);

        // A source change is seen even though the Kraftfile did not change.
        File.AppendAllText(app["main.c"], "\n/* changed */\n");
        var third = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Equal(0, third.ExitCode);
        Assert.Contains("CC      apphello: main.o", third.Stdout);
        Assert.DoesNotContain("configuring", third.Stdout);

        // A Kraftfile kconfig change reconfigures.
        File.AppendAllText(app["Kraftfile"], "\nkconfig:\n  CONFIG_FIXTURE_GREETING: \"Hi there\"\n");
        var fourth = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Equal(0, fourth.ExitCode);
        Assert.Contains("configuring", fourth.Stdout);
        Assert.Contains("CONFIG_FIXTURE_GREETING=\"Hi there\"", File.ReadAllText(app[".config.hello_qemu-x86_64"]));
    }

    [Fact]
    public void Builds_every_target_and_an_external_library()
    {
        using var app = new FixtureApp("hello-lib");
        var r = app.Kraft("build");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(app.Kernel("x86_64")));
        Assert.True(File.Exists(app.Kernel("arm64")));
        Assert.Contains("CONFIG_LIBGREET=y", File.ReadAllText(app[".config.hello-lib_qemu-x86_64"]));
        Assert.Contains("libgreet", r.Stdout);
    }

    [Fact]
    public void An_option_that_does_not_stick_stops_the_build_unless_forced()
    {
        using var app = new FixtureApp(extraKraftfile: "kconfig:\n  CONFIG_FIXTURE_NEEDS_XEN: 'y'");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("CONFIG_FIXTURE_NEEDS_XEN", r.Stderr);
        Assert.Contains("ASKED", r.Stderr);
        Assert.Contains("unmet dependency", r.Stderr);
        Assert.Contains("Kraftfile:", r.Stderr);
        Assert.Contains("--force", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        // Nothing half-done: no .config and no image.
        Assert.False(File.Exists(app[".config.hello_qemu-x86_64"]));
        Assert.False(File.Exists(app.Kernel()));

        var forced = app.Kraft("build", "-t", "qemu/x86_64", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.True(File.Exists(app.Kernel()));
    }

    [Fact]
    public void Dry_run_prints_the_plan_and_builds_nothing()
    {
        using var app = new FixtureApp();
        var r = app.Kraft("build", "--dry-run", "-m", "arm64");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("target hello (qemu/arm64)", r.Stdout);
        Assert.Contains("local directory", r.Stdout);
        Assert.Contains("CONFIG_ARCH_ARM_64=y", r.Stdout);
        Assert.Contains($"A={app.Dir}", r.Stdout);
        Assert.Contains("UK_DEFCONFIG=", r.Stdout);
        Assert.Contains("defconfig", r.Stdout);
        Assert.DoesNotContain("qemu/x86_64", r.Stdout);
        Assert.False(Directory.Exists(app[".unikraft"]));
    }

    [Fact]
    public void No_configure_needs_an_existing_config()
    {
        using var app = new FixtureApp();
        var r = app.Kraft("build", "-t", "qemu/x86_64", "--no-configure");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not configured yet", r.Stderr);
    }

    [Fact]
    public void A_compile_error_shows_the_failing_output_and_the_command()
    {
        using var app = new FixtureApp();
        File.AppendAllText(app["main.c"], "\nthis is not C;\n");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("main.c", r.Stderr);
        Assert.Contains("error", r.Stderr);
        Assert.Contains("building hello (qemu/x86_64) failed", r.Stderr);
        Assert.Contains("command: make -C", r.Stderr);
    }

    [Theory]
    [InlineData("-m", "riscv64", "unknown architecture 'riscv64'")]
    [InlineData("-p", "vbox", "unknown platform 'vbox'")]
    [InlineData("-t", "nosuch", "no target matches -t nosuch")]
    [InlineData("-p", "xen", "no target matches -p xen")]
    public void Bad_target_selection_is_one_clear_error(string flag, string value, string message)
    {
        using var app = new FixtureApp();
        var r = app.Kraft("build", flag, value);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_missing_source_directory_points_at_the_kraftfile()
    {
        using var app = new FixtureApp(kraftfile: "spec: v0.6\nname: hello\nunikraft:\n  source: ./no-such-core\ntargets:\n  - qemu/x86_64\n");
        var r = app.Kraft("build");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
        Assert.Contains("Kraftfile:4:", r.Stderr);
    }

    [Fact]
    public void Malformed_yaml_gives_line_and_column()
    {
        using var app = new FixtureApp(kraftfile: "spec: v0.6\nname: [hello\ntargets:\n  - qemu/x86_64\n");
        var r = app.Kraft("build");
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"Kraftfile:\d+:\d+", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void An_empty_kraftfile_is_a_clear_error()
    {
        using var app = new FixtureApp(kraftfile: "# nothing here\n");
        var r = app.Kraft("inspect");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("empty", r.Stderr);
    }

    [Fact]
    public void A_missing_make_names_the_package_to_install()
    {
        using var app = new FixtureApp();
        var r = KraftCli.Run(app.Dir, new Dictionary<string, string?> { ["PATH"] = "/nonexistent" }, TimeSpan.FromMinutes(1), "build", "-t", "qemu/x86_64");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("'make' was not found", r.Stderr);
        Assert.Contains("apt-get install -y make", r.Stderr);
    }

    [Fact]
    public void Builds_from_a_git_source_at_a_tag_and_rejects_an_unknown_version()
    {
        using var origin = new Packages.GitRepoFixture();
        FixtureApp.CopyTree(TestPaths.FixtureCore, origin.Path);
        origin.Git("add", "-A");
        origin.Git("commit", "-q", "-m", "fixture core");
        origin.Git("tag", "RELEASE-0.17.0");

        using var app = new FixtureApp(kraftfile: $"spec: v0.6\nname: hello\nunikraft:\n  source: {origin.Url}\n  version: v0.17.0\ntargets:\n  - qemu/x86_64\n");
        var r = app.Kraft("build");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(app[".unikraft/unikraft/Makefile"]));
        Assert.True(File.Exists(app.Kernel()));
        Assert.Contains("up to date", app.Kraft("build").Stdout);

        File.WriteAllText(app["Kraftfile"], $"spec: v0.6\nname: hello\nunikraft:\n  source: {origin.Url}\n  version: v9.9.9\ntargets:\n  - qemu/x86_64\n");
        var bad = app.Kraft("build");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("version 'v9.9.9'", bad.Stderr);
        Assert.Contains("RELEASE-0.17.0", bad.Stderr);
    }

    [Fact]
    public void Clean_and_proper_clean()
    {
        using var app = new FixtureApp();
        Assert.Equal(0, app.Kraft("build", "-t", "qemu/x86_64").ExitCode);
        var clean = app.Kraft("clean", "-t", "qemu/x86_64");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.False(File.Exists(app.Kernel()));
        Assert.True(File.Exists(app[".config.hello_qemu-x86_64"]));
        var rebuilt = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Contains("built in", rebuilt.Stdout);

        var proper = app.Kraft("clean", "--proper");
        Assert.Equal(0, proper.ExitCode);
        Assert.False(Directory.Exists(app[".unikraft/build/targets/hello_qemu-x86_64"]));
    }

    [Fact]
    public void Inspect_prints_json()
    {
        using var app = new FixtureApp();
        var r = app.Kraft("inspect", "-o", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal("hello", doc.RootElement.GetProperty("name").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("targets").GetArrayLength());
    }
}
