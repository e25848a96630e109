using System.Text.RegularExpressions;

namespace Kraft.Tests.EndToEnd;

public class BuildFailureEndToEndTests
{
    [Fact]
    public void A_failed_build_outside_a_terminal_shows_make_s_output_once()
    {
        using var app = new FixtureApp();
        File.AppendAllText(app["main.c"], "\nthis is not C;\n");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("error: building hello (qemu/x86_64) failed", r.Stderr);
        var compilerError = Regex.Match(r.Output, @"main\.c:\d+:\d+: error: [^\n]*").Value;
        Assert.True(compilerError.Length > 0, r.ToString());
        Assert.Single(Regex.Matches(r.Output, Regex.Escape(compilerError)));
    }

    /// <summary>The catalog's Rust apps: a Cargo.toml and no Makefile.uk. make only said "No rule to make target".</summary>
    [Fact]
    public void A_Cargo_project_without_a_Makefile_uk_is_named_with_how_to_build_it()
    {
        using var app = new FixtureApp();
        File.Delete(app["Makefile.uk"]);
        File.WriteAllText(app["Cargo.toml"], "[package]\nname = \"hello\"\nversion = \"0.1.0\"\n");
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("is a Cargo project with no Makefile.uk, so Unikraft's make has no application to build", r.Stderr);
        Assert.Contains("--target x86_64-unikraft-linux-musl", r.Stderr);
        Assert.DoesNotContain("No rule to make target", r.Output);
        Assert.DoesNotContain("Unhandled", r.Output);
    }

    /// <summary>
    /// The catalog's templates embed the rootfs (CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD, path defaulting to
    /// .unikraft/build/initramfs-ARCH.cpio): it is built before the kernel (make needs it), and a changed
    /// rootfs builds the kernel again.
    /// </summary>
    [Fact]
    public void An_embedded_rootfs_is_built_before_the_kernel_and_rebuilds_it_when_it_changes()
    {
        using var app = new FixtureApp(kraftfile: "spec: v0.6\nname: hello\nrootfs: ./rootfs\nunikraft:\n  source: ../../unikraft-core\n  kconfig:\n"
            + "    CONFIG_LIBVFSCORE: 'y'\n    CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD: 'y'\ntargets:\n  - qemu/x86_64\n");
        Directory.CreateDirectory(app["rootfs"]);
        File.WriteAllText(app["rootfs/hello.txt"], "one\n");
        var first = app.Kraft("build");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(first.Output.IndexOf("rootfs (x86_64): built", StringComparison.Ordinal)
            < first.Output.IndexOf("hello (qemu/x86_64): built", StringComparison.Ordinal), first.ToString());
        Assert.Contains("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH=\"" + app[".unikraft/build/initramfs-x86_64.cpio"] + "\"",
            File.ReadAllText(app[".config.hello_qemu-x86_64"]));

        Assert.Contains("hello (qemu/x86_64): up to date", app.Kraft("build").Output);
        File.WriteAllText(app["rootfs/hello.txt"], "two\n");
        var changed = app.Kraft("build");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("hello (qemu/x86_64): built", changed.Output);
    }
}
