using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class MachineSpecTests
{
    [Theory]
    [InlineData("64", 64)]
    [InlineData("64M", 64)]
    [InlineData("64Mi", 64)]
    [InlineData("64MiB", 64)]
    [InlineData("64mb", 64)]
    [InlineData(" 128 ", 128)]
    [InlineData("1G", 1024)]
    [InlineData("1Gi", 1024)]
    [InlineData("1.5G", 1536)]
    [InlineData("2048Ki", 2)]
    [InlineData("1536Ki", 1)]
    [InlineData("1024K", 1)]
    [InlineData("1", 1)]
    [InlineData("1T", 1024 * 1024)]
    public void Parses_memory_sizes(string value, long mib) =>
        Assert.Equal(mib, MachineSpec.ParseMemoryMiB(value));

    [Theory]
    [InlineData("512Ki")]
    [InlineData("0")]
    [InlineData("0.5")]
    [InlineData("1000K")]
    public void Memory_below_one_MiB_is_an_error(string value)
    {
        var e = Assert.Throws<KraftException>(() => MachineSpec.ParseMemoryMiB(value));
        Assert.Contains("below the minimum of 1 MiB", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("64X")]
    [InlineData("-64")]
    [InlineData("6 4")]
    [InlineData("1.2.3G")]
    public void Malformed_memory_is_an_error(string value)
    {
        var e = Assert.Throws<KraftException>(() => MachineSpec.ParseMemoryMiB(value));
        Assert.Contains("invalid memory size", e.Message);
    }

    [Theory]
    [InlineData("netdev.ip=10.0.2.15/24:10.0.2.2")]
    [InlineData("vfs.fstab=[ \"fs0:/:9pfs\" ]")]
    [InlineData("env.vars=[ A=1 B=2 ]")]
    [InlineData("debug.gdbcon=0")]
    [InlineData("ns16550.early_port=0x3f8")]
    [InlineData("my_lib.flag=")]
    public void Accepts_library_parameters(string arg)
    {
        Assert.True(MachineSpec.IsValidKernelArg(arg));
        MachineSpec.ValidateKernelArg(arg);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("foo=1")]
    [InlineData(".param=1")]
    [InlineData("lib.=1")]
    [InlineData("a.b.c=1")]
    [InlineData("lib.param")]
    [InlineData("=x")]
    [InlineData("--")]
    [InlineData("lib param.x=1")]
    public void Rejects_anything_else(string arg)
    {
        Assert.False(MachineSpec.IsValidKernelArg(arg));
        var e = Assert.Throws<KraftException>(() => MachineSpec.ValidateKernelArg(arg));
        Assert.Contains("'libname.param=value'", e.Message);
        Assert.Contains(arg, e.Message);
    }

    sealed class TempKernel : IDisposable
    {
        public readonly string Dir = Directory.CreateTempSubdirectory("kraft-spec-").FullName;
        public string Path => System.IO.Path.Combine(Dir, "helloworld_qemu-x86_64");
        public TempKernel(ushort machine = ElfInfo.EM_386)
        {
            var b = new byte[64];
            b[0] = 0x7F; b[1] = (byte)'E'; b[2] = (byte)'L'; b[3] = (byte)'F'; b[4] = 1; b[5] = 1;
            b[18] = (byte)machine; b[19] = (byte)(machine >> 8);
            File.WriteAllBytes(Path, b);
        }
        public void Dispose() => Directory.Delete(Dir, true);
    }

    [Fact]
    public void Create_detects_the_arch_and_fills_defaults()
    {
        using var k = new TempKernel();
        var spec = MachineSpec.Create(k.Path);
        Assert.Equal(GuestArch.X86_64, spec.Arch);
        Assert.Equal(Platform.Qemu, spec.Platform);
        Assert.Equal(64, spec.MemoryMiB);
        Assert.Equal(1, spec.Cpus);
        Assert.Empty(spec.KernelArgs);
        Assert.Empty(spec.AppArgs);
        Assert.Null(spec.InitrdPath);
        Assert.False(spec.DisableAcceleration);
        Assert.Equal(System.IO.Path.GetFullPath(k.Path), spec.KernelPath);
    }

    [Fact]
    public void Create_takes_all_options()
    {
        using var k = new TempKernel();
        var initrd = System.IO.Path.Combine(k.Dir, "rootfs.cpio");
        File.WriteAllText(initrd, "");
        var spec = MachineSpec.Create(k.Path, arch: "amd64", platform: "kvm", memory: "256Mi", cpus: 2,
            kernelArgs: ["env.vars=[ A=1 ]"], appArgs: ["-v"], initrd: initrd, disableAcceleration: true);
        Assert.Equal(GuestArch.X86_64, spec.Arch);
        Assert.Equal(Platform.Qemu, spec.Platform);
        Assert.Equal(256, spec.MemoryMiB);
        Assert.Equal(2, spec.Cpus);
        Assert.Equal(["env.vars=[ A=1 ]"], spec.KernelArgs);
        Assert.Equal(["-v"], spec.AppArgs);
        Assert.Equal(initrd, spec.InitrdPath);
        Assert.True(spec.DisableAcceleration);
    }

    [Fact]
    public void Arch_mismatch_is_an_error()
    {
        using var k = new TempKernel();
        var e = Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, arch: "arm64"));
        Assert.Contains("is an x86_64 kernel", e.Message);
        Assert.Contains("-m arm64", e.Message);
    }

    [Fact]
    public void Unknown_arch_is_an_error()
    {
        using var k = new TempKernel();
        var e = Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, arch: "riscv64"));
        Assert.Contains("unknown architecture", e.Message);
    }

    [Fact]
    public void Missing_initrd_is_an_error()
    {
        using var k = new TempKernel();
        var e = Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, initrd: "/nonexistent.cpio"));
        Assert.Contains("initrd /nonexistent.cpio does not exist", e.Message);
    }

    [Fact]
    public void Bad_kernel_arg_is_an_error()
    {
        using var k = new TempKernel();
        Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, kernelArgs: ["hello"]));
    }

    [Theory]
    [InlineData("linuxu", "linuxu platform cannot run machines")]
    [InlineData("vbox", "unknown platform")]
    public void Only_machine_platforms_are_accepted(string plat, string message)
    {
        using var k = new TempKernel();
        var e = Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, platform: plat));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("fc", Platform.Firecracker)]
    [InlineData("firecracker", Platform.Firecracker)]
    [InlineData("xen", Platform.Xen)]
    [InlineData("KVM", Platform.Qemu)]
    [InlineData("auto", Platform.Qemu)]
    public void Platform_aliases_come_from_one_table(string plat, Platform expected)
    {
        using var k = new TempKernel();
        Assert.Equal(expected, MachineSpec.Create(k.Path, platform: plat).Platform);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(256)]
    public void Cpu_count_is_checked(int cpus)
    {
        using var k = new TempKernel();
        Assert.Throws<KraftException>(() => MachineSpec.Create(k.Path, cpus: cpus));
    }
}
