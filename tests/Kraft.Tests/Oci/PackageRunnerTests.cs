using Kraft.Guest;
using Kraft.Oci;

namespace Kraft.Tests.Oci;

public class PackageRunnerTests
{
    [Fact]
    public void The_image_kconfig_is_written_as_sorted_config_lines_and_junk_is_dropped()
    {
        Assert.Null(PackageRunner.KconfigText(null));
        Assert.Null(PackageRunner.KconfigText(["not-a-config", "=y"]));
        Assert.Equal("CONFIG_A=y\nCONFIG_LIBVFSCORE_AUTOMOUNT_UP=y\n",
            PackageRunner.KconfigText(["CONFIG_LIBVFSCORE_AUTOMOUNT_UP=y", "CONFIG_A=y", "CONFIG_A=y", "CONFIG_B\n=y", "junk"]));
    }

    [Fact]
    public void An_unpacked_kernel_with_automount_in_its_kconfig_mounts_the_initrd_as_root()
    {
        using var dir = new TempDir();
        var kernel = dir.Write("unikraft/bin/kernel", "k");
        File.WriteAllText(kernel + ".config", PackageRunner.KconfigText(["CONFIG_LIBVFSCORE_AUTOMOUNT_UP=y", "CONFIG_LIBUKCPIO=y"]));
        var config = ImageKconfig.ForKernel(kernel);
        Assert.NotNull(config);
        Assert.True(GuestMounts.CheckImage(config, kernel, hasInitrd: true, []));
        Assert.False(GuestMounts.CheckImage(config, kernel, hasInitrd: false, []));
        File.WriteAllText(kernel + ".config", PackageRunner.KconfigText(["CONFIG_LIBUKCPIO=y"]));
        Assert.False(GuestMounts.CheckImage(ImageKconfig.ForKernel(kernel), kernel, hasInitrd: true, []));
    }
}
