namespace Kraft.Tests.EndToEnd;

/// <summary>The Kraftfile's rootfs built by kraft build, and --rootfs / -v on kraft run (checked on the QEMU command line).</summary>
public class GuestStorageEndToEndTests
{
    const string Extra = "rootfs: ./fs\nunikraft:\n  kconfig:\n    CONFIG_LIBUKRANDOM: 'n'";

    static FixtureApp Built()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.Fixtures, "apps", "hello", "Kraftfile"));
        var app = new FixtureApp("hello", kraftfile: text.Replace("targets:", "rootfs: ./fs\ntargets:"));
        Directory.CreateDirectory(app["fs/etc"]);
        File.WriteAllText(app["fs/etc/app.conf"], "x=1\n");
        Directory.CreateDirectory(app["data"]);
        var r = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("rootfs (x86_64): built  .unikraft/build/initramfs-x86_64.cpio", r.Output);
        return app;
    }

    static CliResult Run(FixtureApp app, params string[] args) =>
        KraftCli.Run(app.Dir, new Dictionary<string, string?> { ["KRAFTKIT_RUNTIME_DIR"] = app["runtime"] }, TimeSpan.FromMinutes(1), args);

    [Fact]
    public void Kraft_build_writes_the_rootfs_beside_the_kernel_and_run_passes_it()
    {
        using var app = Built();
        var cpio = app[".unikraft/build/initramfs-x86_64.cpio"];
        Assert.True(File.Exists(cpio));
        var again = app.Kraft("build", "-t", "qemu/x86_64");
        Assert.Contains("rootfs (x86_64): up to date", again.Output);

        var dry = Run(app, "run", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains($"-initrd {cpio}", dry.Stdout);
        // The fixture image does not mount from the command line: no vfs.fstab.
        Assert.DoesNotContain("vfs.fstab", dry.Stdout);
    }

    [Fact]
    public void Volumes_and_the_root_initrd_reach_qemu_when_the_image_mounts_them()
    {
        using var app = Built();
        var refused = Run(app, "run", "--dry-run", "-v", "./data:/data");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("was built without 9pfs", refused.Stderr);

        File.AppendAllText(app[".unikraft/build/targets/hello_qemu-x86_64/config"],
            "CONFIG_LIBVFSCORE_AUTOMOUNT_UP=y\nCONFIG_LIB9PFS=y\nCONFIG_LIBUK9P=y\n");
        var dry = Run(app, "run", "--dry-run", "-v", "./data:/data:ro", "--", "/app");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains($"-fsdev local,id=hvirtio1,path={app["data"]},security_model=", dry.Stdout);
        Assert.Contains("-device virtio-9p-pci,fsdev=hvirtio1,mount_tag=fs1", dry.Stdout);
        Assert.Contains("vfs.fstab=[ \"initrd0:/:extract::ramfs=2:\" \"fs1:/data:9pfs:1::mkmp\" ] -- /app", dry.Stdout);

        var vol = Run(app, "vol", "create", "cache");
        Assert.True(vol.ExitCode == 0, vol.ToString());
        var named = Run(app, "run", "--dry-run", "-v", "cache:/cache");
        Assert.Contains($"path={app["runtime/volumes/cache"]}", named.Stdout);
    }

    [Fact]
    public void Bad_rootfs_and_volume_flags_are_clear_errors()
    {
        using var app = Built();
        var missing = Run(app, "run", "--dry-run", "-v", "nosuch:/data");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("volume 'nosuch' does not exist", missing.Stderr);
        Assert.Contains("kraft vol create nosuch", missing.Stderr);
        var relative = Run(app, "run", "--dry-run", "-v", "./data:data");
        Assert.Contains("is not absolute", relative.Stderr);
        var notFs = Run(app, "run", "--dry-run", "--rootfs", "Kraftfile");
        Assert.Equal(1, notFs.ExitCode);
        Assert.Contains("neither a cpio (newc) archive nor a Dockerfile", notFs.Stderr);
        var both = Run(app, "run", "--dry-run", "--rootfs", "fs", "--initrd", ".unikraft/build/initramfs-x86_64.cpio");
        Assert.Contains("--rootfs and --initrd", both.Stderr);
        Assert.DoesNotContain("internal error", missing.Output + relative.Output + notFs.Output + both.Output);
    }

    [Fact]
    public void A_dockerfile_rootfs_without_buildah_or_podman_names_the_package()
    {
        using var app = Built();
        File.WriteAllText(app["Dockerfile"], "FROM scratch\n");
        var r = KraftCli.Run(app.Dir, new Dictionary<string, string?> { ["PATH"] = "/nonexistent", ["KRAFTKIT_RUNTIME_DIR"] = app["runtime"] },
            TimeSpan.FromMinutes(1), "run", "--dry-run", "--rootfs", "Dockerfile");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("needs buildah or podman", r.Stderr);
        Assert.Contains("apt-get install -y buildah", r.Stderr);
    }
}
