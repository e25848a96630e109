namespace Kraft.Tests.EndToEnd;

/// <summary>The native Kconfig backend (the default), the make backend, and kraft configure, on the fixture core.</summary>
public class ConfigureEndToEndTests
{
    static string Obj(FixtureApp app, string target) => app[$".unikraft/build/targets/{target}"];

    [Fact]
    public void Configure_writes_the_config_and_what_make_would_generate_and_builds_nothing()
    {
        using var app = new FixtureApp("hello-lib");
        var r = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("configured (native)", r.Stdout);
        var o = Obj(app, "hello-lib_qemu-x86_64");
        var config = File.ReadAllText(app[".config.hello-lib_qemu-x86_64"]);
        Assert.Contains("CONFIG_LIBGREET=y", config);
        Assert.Contains("# end of Library Configuration", config);
        // What Unikraft's make would otherwise produce with its own conf:
        Assert.Equal(config, File.ReadAllText(Path.Combine(o, "config")));
        Assert.Contains("CONFIG_LIBGREET=y", File.ReadAllText(Path.Combine(o, "kconfig", "auto.conf")));
        Assert.Contains("#define CONFIG_LIBGREET 1", File.ReadAllText(Path.Combine(o, "include", "uk", "bits", "config.h")));
        Assert.True(File.Exists(Path.Combine(o, "kconfig", "tristate.config")));
        Assert.Contains("libgreet/Config.uk", File.ReadAllText(Path.Combine(o, "kconfig", "libs.uk")));
        Assert.Contains("kconfig-conf", File.ReadAllText(Path.Combine(o, "kconfig", "conf")));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(o, "include", "uk", "bits", "config.h"))
            > File.GetLastWriteTimeUtc(Path.Combine(o, "config")));
        Assert.False(File.Exists(app.Kernel()));

        // The build that follows does not configure again.
        var b = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.DoesNotContain("configuring", b.Stdout);
        // make did not regenerate the header with the fixture's own kconfig.py (which writes an include guard).
        Assert.DoesNotContain("__UK_BITS_CONFIG_H__", File.ReadAllText(Path.Combine(o, "include", "uk", "bits", "config.h")));
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void Native_and_make_backends_write_the_same_config(string arch)
    {
        using var app = new FixtureApp("hello-lib", extraKraftfile: "kconfig:\n  CONFIG_FIXTURE_REPEAT: 3\n  CONFIG_FIXTURE_GREETING: \"Hi \\\"there\\\"\"");
        var name = $".config.hello-lib_qemu-{arch}";
        var m = app.Kraft("configure", "-t", $"qemu/{arch}", "--kconfig-backend", "make");
        Assert.True(m.ExitCode == 0, m.ToString());
        Assert.Contains("configured (make)", m.Stdout);
        var viaMake = File.ReadAllText(app[name]);
        File.Delete(app[name]);
        var n = app.Kraft("configure", "-t", $"qemu/{arch}", "--kconfig-backend", "native");
        Assert.True(n.ExitCode == 0, n.ToString());
        Assert.Equal(viaMake, File.ReadAllText(app[name]));
        Assert.Contains("CONFIG_FIXTURE_REPEAT=3", viaMake);
    }

    [Fact]
    public void The_make_backend_builds_and_switching_backends_reconfigures()
    {
        using var app = new FixtureApp();
        var m = app.Kraft("build", "-t", "qemu/x86_64", "--kconfig-backend", "make");
        Assert.True(m.ExitCode == 0, m.ToString());
        Assert.Contains("configuring", m.Stdout);
        Assert.True(File.Exists(app.Kernel()));
        Assert.Contains("up to date", app.Kraft("build", "-t", "qemu/x86_64", "--kconfig-backend", "make").Stdout);
        var n = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(n.ExitCode == 0, n.ToString());
        Assert.Contains("configuring", n.Stdout);
    }

    [Fact]
    public void Changing_an_option_rebuilds_with_the_native_backend()
    {
        using var app = new FixtureApp();
        Assert.Equal(0, app.Kraft("build", "-t", "qemu/x86_64").ExitCode);
        var kraftfile = File.ReadAllText(app["Kraftfile"]);
        File.WriteAllText(app["Kraftfile"], kraftfile + "\nkconfig:\n  CONFIG_FIXTURE_GREETING: \"Howdy\"\n");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("configuring", r.Stdout);
        Assert.Contains("CC      apphello: main.o", r.Stdout);
        Assert.Contains("Howdy", File.ReadAllText(Path.Combine(Obj(app, "hello_qemu-x86_64"), "include", "uk", "bits", "config.h")));
    }

    [Fact]
    public void An_unknown_option_gets_a_suggestion_and_a_blocked_one_its_reason()
    {
        using var app = new FixtureApp(extraKraftfile: "kconfig:\n  CONFIG_FIXTURE_GREETNG: 'x'\n  CONFIG_FIXTURE_NEEDS_XEN: 'y'\n  CONFIG_FIXTURE_REPEAT: 9\n  CONFIG_LIBUKDEBUG: 'n'");
        var r = app.Kraft("configure", "-t", "qemu/x86_64");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("did you mean CONFIG_FIXTURE_GREETING?", r.Stderr);
        Assert.Contains("depends on CONFIG_PLAT_XEN (=n)", r.Stderr);
        Assert.Contains("out of range 1..5", r.Stderr);
        Assert.Contains("selected by CONFIG_PLAT_KVM (=y)", r.Stderr);
        Assert.False(File.Exists(app[".config.hello_qemu-x86_64"]));

        var forced = app.Kraft("configure", "-t", "qemu/x86_64", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.True(File.Exists(app[".config.hello_qemu-x86_64"]));
    }

    [Fact]
    public void A_bad_backend_name_is_an_error()
    {
        using var app = new FixtureApp();
        var r = app.Kraft("configure", "--kconfig-backend", "cmake");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("native or make", r.Stderr);
    }
}
