using Kraft.Guest;
using Kraft.Machines;

namespace Kraft.Tests.Guest;

public class GuestMountsTests
{
    static VolumeMount Share(string src, string guest, bool ro = false) => new() { Source = src, GuestPath = guest, ReadOnly = ro };
    static readonly VolumeMount Root = new() { Source = "/b/initramfs-x86_64.cpio", GuestPath = "/", Driver = VolumeMount.Initrd };

    [Fact]
    public void Shares_without_a_root_get_an_empty_ramfs_at_slash_when_the_image_has_ramfs()
    {
        IReadOnlyList<VolumeMount> data = [Share("/h/data", "/data")];
        Assert.True(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBRAMFS", "CONFIG_LIBVFSCORE_AUTOMOUNT_UP"), data));
        Assert.False(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBVFSCORE_AUTOMOUNT_UP"), data)); // no ramfs in the image
        Assert.False(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBRAMFS", "CONFIG_LIBVFSCORE_AUTOMOUNT_FB"), data)); // its own fallback root
        Assert.False(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBRAMFS"), [Root, Share("/h/data", "/data")]));
        Assert.False(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBRAMFS"), [Share("/h/all", "/")]));
        Assert.False(GuestMounts.NeedsRamfsRoot(Config("CONFIG_LIBRAMFS"), []));
        IReadOnlyList<VolumeMount> withRoot = [new() { Source = "none", GuestPath = "/", Driver = VolumeMount.Ramfs }, .. data];
        Assert.Equal(["none:/:ramfs:::", "fs1:/data:9pfs:::mkmp"], GuestMounts.FstabEntries(withRoot));
        Assert.Single(GuestMounts.Shares(withRoot));
    }

    [Fact]
    public void The_fstab_mounts_the_initrd_first_then_each_share_by_tag()
    {
        IReadOnlyList<VolumeMount> mounts = [Root, Share("/h/data", "/data"), Share("/h/cfg", "/etc/app", ro: true)];
        Assert.Equal(["initrd0:/:extract::ramfs=2:", "fs1:/data:9pfs:::mkmp", "fs2:/etc/app:9pfs:1::mkmp"], GuestMounts.FstabEntries(mounts));
        Assert.Equal("vfs.fstab=[ \"initrd0:/:extract::ramfs=2:\" \"fs1:/data:9pfs:::mkmp\" \"fs2:/etc/app:9pfs:1::mkmp\" ]", GuestMounts.FstabParam(mounts));
        // A share as the root filesystem has no mount point to make (Unikraft 0.16.3: -ENOTDIR at boot with mkmp).
        Assert.Equal(["fs1:/:9pfs:::"], GuestMounts.FstabEntries([Share("/srv", "/")]));
        Assert.Null(GuestMounts.FstabParam(Array.Empty<VolumeMount>()));
    }

    [Fact]
    public void Each_share_is_one_fsdev_and_one_virtio_9p_device()
    {
        IReadOnlyList<VolumeMount> mounts = [Root, Share("/h/a,b", "/data"), Share("/h/cfg", "/cfg", ro: true)];
        Assert.Equal(
            ["-fsdev", "local,id=hvirtio1,path=/h/a,,b,security_model=passthrough", "-device", "virtio-9p-pci,fsdev=hvirtio1,mount_tag=fs1",
             "-fsdev", "local,id=hvirtio2,path=/h/cfg,security_model=passthrough,readonly=on", "-device", "virtio-9p-pci,fsdev=hvirtio2,mount_tag=fs2"],
            GuestMounts.QemuArgs(mounts, passthrough: true));
        Assert.Contains("security_model=none", GuestMounts.QemuArgs([Share("/x", "/x")], passthrough: false)[1]);
    }

    [Fact]
    public void The_qemu_command_line_carries_the_shares_and_the_fstab()
    {
        var spec = new MachineSpec
        {
            KernelPath = "/k", Arch = GuestArch.X86_64, InitrdPath = "/b/initramfs-x86_64.cpio",
            Volumes = [Root, Share("/h/data", "/data")], AppArgs = ["/app"],
        };
        var argv = QemuCommandLine.Build(spec, Acceleration.Tcg);
        Assert.Contains("virtio-9p-pci,fsdev=hvirtio1,mount_tag=fs1", argv);
        Assert.Equal("vfs.fstab=[ \"initrd0:/:extract::ramfs=2:\" \"fs1:/data:9pfs:::mkmp\" ] -- /app", argv[argv.ToList().IndexOf("-append") + 1]);
        // A vfs.fstab given with -a wins.
        var own = QemuCommandLine.Append(spec with { KernelArgs = ["vfs.fstab=[ \"fs1:/x:9pfs:::\" ]"] });
        Assert.Equal("vfs.fstab=[ \"fs1:/x:9pfs:::\" ] -- /app", own);
    }

    static ImageKconfig Config(params string[] enabled) =>
        ImageKconfig.FromValues("/p/.config.app_qemu-x86_64", enabled.Select(e => new KeyValuePair<string, string>(e, "y")));

    [Fact]
    public void An_image_without_9pfs_is_refused_before_boot_naming_the_options()
    {
        var e = Assert.Throws<KraftException>(() =>
            GuestMounts.CheckImage(Config("CONFIG_LIBVFSCORE_AUTOMOUNT_UP"), "/k", false, [Share("/h", "/data")]));
        Assert.Contains("was built without 9pfs", e.Message);
        Assert.Contains("/h:/data", e.Message);
        Assert.Contains("CONFIG_LIB9PFS", e.Message);
        Assert.Contains("CONFIG_LIBUK9P=y", e.Hint);

        var noUp = Assert.Throws<KraftException>(() =>
            GuestMounts.CheckImage(Config("CONFIG_LIB9PFS", "CONFIG_LIBUK9P"), "/k", false, [Share("/h", "/data")]));
        Assert.Contains("CONFIG_LIBVFSCORE_AUTOMOUNT_UP", noUp.Message);
    }

    [Fact]
    public void The_initrd_becomes_root_only_when_the_image_mounts_from_the_command_line()
    {
        Assert.True(GuestMounts.CheckImage(Config("CONFIG_LIBVFSCORE_AUTOMOUNT_UP"), "/k", true, []));
        Assert.True(GuestMounts.CheckImage(Config("CONFIG_LIBVFSCORE_FSTAB"), "/k", true, []));
        Assert.False(GuestMounts.CheckImage(Config("CONFIG_LIBVFSCORE_AUTOMOUNT_CI"), "/k", true, []));
        Assert.False(GuestMounts.CheckImage(null, "/k", true, []));
        Assert.True(GuestMounts.CheckImage(Config("CONFIG_LIBVFSCORE_AUTOMOUNT_UP", "CONFIG_LIB9PFS", "CONFIG_LIBUK9P"), "/k", true, [Share("/h", "/d")]));
    }

    [Theory]
    [InlineData("./data:/data", "./data", "/data", false)]
    [InlineData("/srv/www:/var/www:ro", "/srv/www", "/var/www", true)]
    [InlineData("cache:/cache:rw", "cache", "/cache", false)]
    public void Volume_flags_parse(string flag, string source, string guest, bool ro) =>
        Assert.Equal((source, guest, ro), VolumeFlag.Parse(flag));

    [Theory]
    [InlineData("data", "invalid volume")]
    [InlineData("./data:data", "not absolute")]
    [InlineData("./data:/data:rx", "unknown option 'rx'")]
    [InlineData("a:/b:ro:x", "invalid volume")]
    [InlineData(":/data", "invalid volume")]
    [InlineData("./d:/a/../b", "'.' or '..'")]
    [InlineData("./d:/a b", "spaces")]
    public void Bad_volume_flags_say_what_is_wrong(string flag, string expected)
    {
        var e = Assert.Throws<KraftException>(() => VolumeFlag.Parse(flag));
        Assert.Contains(expected, e.Message);
        Assert.Equal(VolumeFlag.Hint, e.Hint);
    }
}

public class VolumeStoreTests
{
    [Fact]
    public void Named_volumes_are_folders_created_listed_resolved_and_removed()
    {
        using var dir = new TempDir();
        var store = new VolumeStore(dir["runtime"]);
        var v = store.Create("cache");
        Assert.Equal(dir["runtime/volumes/cache"], v.Path);
        Assert.True(Directory.Exists(v.Path));
        Assert.Contains("already exists", Assert.Throws<KraftException>(() => store.Create("cache")).Message);
        store.Create("assets");
        Assert.Equal(["assets", "cache"], store.List().Select(x => x.Name));

        var m = store.Resolve("cache", "/cache", false, dir.Path);
        Assert.Equal(v.Path, m.Source);
        Assert.Equal("cache", m.VolumeName);

        Assert.Contains("in use by m1", Assert.Throws<KraftException>(() => store.Remove("cache", ["m1"])).Message);
        File.WriteAllText(Path.Combine(v.Path, "f"), "x");
        store.Remove("cache");
        Assert.False(Directory.Exists(v.Path));
        var missing = Assert.Throws<KraftException>(() => store.Remove("cahce"));
        Assert.Contains("no volume named 'cahce'", missing.Message);
        Assert.Contains("kraft vol create", missing.Hint);
        Assert.Contains("invalid volume name", Assert.Throws<KraftException>(() => store.Create("../x")).Message);
    }

    [Fact]
    public void A_source_that_is_neither_a_volume_nor_a_directory_is_refused_clearly()
    {
        using var dir = new TempDir();
        var store = new VolumeStore(dir["runtime"]);
        var named = Assert.Throws<KraftException>(() => store.Resolve("data", "/data", false, dir.Path));
        Assert.Contains("volume 'data' does not exist", named.Message);
        Assert.Contains("kraft vol create data", named.Hint);
        var path = Assert.Throws<KraftException>(() => store.Resolve("./nothere", "/data", false, dir.Path));
        Assert.Contains($"{dir["nothere"]} does not exist", path.Message);
        var file = Assert.Throws<KraftException>(() => store.Resolve(dir.Write("f.txt", "x"), "/data", false, dir.Path));
        Assert.Contains("is a file", file.Message);
        Directory.CreateDirectory(dir["www"]);
        Assert.Equal(dir["www"], store.Resolve("www", "/www", true, dir.Path).Source);
    }
}

public class ImageKconfigTests
{
    [Fact]
    public void The_config_beside_a_built_kernel_is_found()
    {
        using var dir = new TempDir();
        var kernel = dir.Write("app/.unikraft/build/app_qemu-x86_64", "ELF");
        Assert.Null(ImageKconfig.ForKernel(kernel));
        dir.Write("app/.config.app_qemu-x86_64", "CONFIG_LIB9PFS=y\n# CONFIG_LIBUK9P is not set\nCONFIG_UK_NAME=\"app\"\n");
        var c = ImageKconfig.ForKernel(kernel)!;
        Assert.Equal(dir["app/.config.app_qemu-x86_64"], c.Path);
        Assert.True(c.IsEnabled("CONFIG_LIB9PFS"));
        Assert.False(c.Has9pfs); // CONFIG_LIBUK9P is not set
        Assert.Equal("app", c["CONFIG_UK_NAME"]);
        dir.Write("app/.unikraft/build/targets/app_qemu-x86_64/config", "CONFIG_LIB9PFS=y\nCONFIG_LIBUK9P=y\n");
        Assert.True(ImageKconfig.ForKernel(kernel)!.Has9pfs); // the object folder's copy is the one the image was built from
    }
}
