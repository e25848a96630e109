using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class QemuCommandLineTests
{
    static MachineSpec Spec(GuestArch arch = GuestArch.X86_64) => new()
    {
        KernelPath = "/k/helloworld_qemu-x86_64",
        Arch = arch,
    };

    static readonly Version Qemu72 = new(7, 2, 22);
    static readonly Version Qemu80 = new(8, 0, 0);
    static readonly Version Qemu82 = new(8, 2, 2);

    /// <summary>The value that follows <paramref name="flag"/> (its only occurrence).</summary>
    static string Value(IReadOnlyList<string> args, string flag)
    {
        Assert.Single(args, a => a == flag);
        return args[args.ToList().IndexOf(flag) + 1];
    }

    static IEnumerable<string> Values(IReadOnlyList<string> args, string flag) =>
        args.Select((a, i) => (a, i)).Where(t => t.a == flag).Select(t => args[t.i + 1]);

    [Fact]
    public void X86_64_under_kvm()
    {
        var a = QemuCommandLine.Build(Spec(), Acceleration.Kvm);
        Assert.Equal(
            ["-machine", "pc,accel=kvm", "-enable-kvm", "-cpu", "host,+x2apic,-pmu",
             "-m", "64M", "-smp", "cpus=1", "-nodefaults", "-no-reboot", "-display", "none", "-vga", "none",
             "-serial", "stdio", "-device", "isa-debug-exit,iobase=0x501,iosize=2",
             "-kernel", "/k/helloworld_qemu-x86_64"], a);
    }

    [Fact]
    public void X86_64_under_tcg_on_old_qemu_has_no_rng_flags()
    {
        var a = QemuCommandLine.Build(Spec(), Acceleration.Tcg, Qemu72);
        Assert.Equal("pc", Value(a, "-machine"));
        Assert.Equal("qemu64,+pdpe1gb,-vmx,-svm", Value(a, "-cpu"));
        Assert.DoesNotContain("-enable-kvm", a);
        Assert.Equal("isa-debug-exit,iobase=0x501,iosize=2", Value(a, "-device"));
    }

    [Theory]
    [InlineData("8.0.0")]
    [InlineData("8.2.2")]
    [InlineData("9.1.0")]
    public void X86_64_under_tcg_on_qemu_8_asks_for_rdrand_and_rdseed(string version)
    {
        var a = QemuCommandLine.Build(Spec(), Acceleration.Tcg, Version.Parse(version));
        Assert.Equal("qemu64,+pdpe1gb,+rdrand,+rdseed,-vmx,-svm", Value(a, "-cpu"));
    }

    [Fact]
    public void X86_64_under_tcg_without_a_known_version_assumes_old()
    {
        Assert.Equal("qemu64,+pdpe1gb,-vmx,-svm", QemuCommandLine.TcgX86Cpu(null));
        Assert.Equal("qemu64,+pdpe1gb,-vmx,-svm", QemuCommandLine.TcgX86Cpu(new Version(7, 99, 0)));
    }

    [Theory]
    [InlineData(GuestArch.Arm64)]
    [InlineData(GuestArch.Arm)]
    public void Arm_under_tcg(GuestArch arch)
    {
        var a = QemuCommandLine.Build(Spec(arch), Acceleration.Tcg, Qemu82);
        Assert.Equal(
            ["-machine", "virt", "-cpu", "max", "-m", "64M", "-smp", "cpus=1", "-nodefaults", "-no-reboot",
             "-display", "none", "-serial", "stdio", "-kernel", "/k/helloworld_qemu-x86_64"], a);
    }

    [Fact]
    public void Arm64_under_kvm()
    {
        var a = QemuCommandLine.Build(Spec(GuestArch.Arm64), Acceleration.Kvm);
        Assert.Equal("virt,accel=kvm", Value(a, "-machine"));
        Assert.Equal("host", Value(a, "-cpu"));
        Assert.DoesNotContain("-device", a);
        Assert.DoesNotContain("-vga", a);
        Assert.DoesNotContain("-enable-kvm", a);
    }

    [Theory]
    [InlineData(GuestArch.X86_64, Acceleration.Kvm)]
    [InlineData(GuestArch.X86_64, Acceleration.Tcg)]
    [InlineData(GuestArch.Arm64, Acceleration.Kvm)]
    [InlineData(GuestArch.Arm64, Acceleration.Tcg)]
    [InlineData(GuestArch.Arm, Acceleration.Tcg)]
    public void Every_combination_has_the_common_options(GuestArch arch, Acceleration accel)
    {
        var spec = Spec(arch) with { MemoryMiB = 256, Cpus = 4, InitrdPath = "/r/initramfs.cpio", AppArgs = ["x"] };
        var a = QemuCommandLine.Build(spec, accel, Qemu80);
        Assert.Equal("256M", Value(a, "-m"));
        Assert.Equal("cpus=4", Value(a, "-smp"));
        Assert.Equal("none", Value(a, "-display"));
        Assert.Equal("stdio", Value(a, "-serial"));
        Assert.Equal("/k/helloworld_qemu-x86_64", Value(a, "-kernel"));
        Assert.Equal("/r/initramfs.cpio", Value(a, "-initrd"));
        Assert.Equal("x", Value(a, "-append"));
        Assert.Contains("-no-reboot", a);
        Assert.Contains("-nodefaults", a);
        Assert.DoesNotContain("-nographic", a);
        Assert.DoesNotContain("-daemonize", a);
        Assert.Equal(arch == GuestArch.X86_64, Values(a, "-device").Contains(QemuCommandLine.DebugExitDevice));
        Assert.Equal(accel == Acceleration.Kvm && arch == GuestArch.X86_64, a.Contains("-enable-kvm"));
        Assert.Equal(accel == Acceleration.Kvm, Value(a, "-machine").EndsWith(",accel=kvm"));
    }

    [Fact]
    public void No_initrd_and_no_append_when_not_needed()
    {
        var a = QemuCommandLine.Build(Spec(), Acceleration.Tcg, Qemu72);
        Assert.DoesNotContain("-initrd", a);
        Assert.DoesNotContain("-append", a);
    }

    [Fact]
    public void Leading_args_from_KRAFTKIT_QEMU_come_first()
    {
        var a = QemuCommandLine.Build(Spec(), Acceleration.Tcg, Qemu72, ["-L", "/opt/bios"]);
        Assert.Equal(["-L", "/opt/bios", "-machine"], a.Take(3));
    }

    [Fact]
    public void Append_with_only_app_args_has_no_separator()
    {
        var spec = Spec() with { AppArgs = ["hello", "world"] };
        Assert.Equal("hello world", QemuCommandLine.Append(spec));
    }

    [Fact]
    public void Append_puts_kernel_args_before_the_separator()
    {
        var spec = Spec() with { KernelArgs = ["netdev.ip=10.0.2.15/24", "vfs.fstab=[ \"initrd0:/:extract:::\" ]"], AppArgs = ["/server", "-p", "80"] };
        Assert.Equal("netdev.ip=10.0.2.15/24 vfs.fstab=[ \"initrd0:/:extract:::\" ] -- /server -p 80", QemuCommandLine.Append(spec));
    }

    [Fact]
    public void Append_with_kernel_args_and_no_app_args_still_ends_with_the_separator()
    {
        var spec = Spec() with { KernelArgs = ["env.vars=[ A=1 ]"] };
        Assert.Equal("env.vars=[ A=1 ] --", QemuCommandLine.Append(spec));
    }

    [Fact]
    public void Append_is_empty_without_any_args() => Assert.Equal("", QemuCommandLine.Append(Spec()));

    [Fact]
    public void Env_becomes_an_env_vars_parameter()
    {
        var spec = Spec() with
        {
            Env = [new("FOO", "1"), new("GREETING", "hello world")],
            AppArgs = ["a"],
        };
        Assert.Equal("env.vars=[ FOO=1 'GREETING=hello world' ] -- a", QemuCommandLine.Append(spec));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a b", "'a b'")]
    [InlineData("tab\there", "'tab\there'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("back\\slash", "'back\\slash'")]
    [InlineData("", "''")]
    [InlineData("--flag=x,y", "--flag=x,y")]
    public void App_args_are_quoted_for_unikrafts_splitter(string arg, string quoted) =>
        Assert.Equal(quoted, QemuCommandLine.QuoteForGuest(arg));

    [Fact]
    public void Quoted_app_args_appear_in_append()
    {
        var spec = Spec() with { AppArgs = ["a", "b c"] };
        Assert.Equal("a 'b c'", QemuCommandLine.Append(spec));
        Assert.Equal("a 'b c'", Value(QemuCommandLine.Build(spec, Acceleration.Kvm), "-append"));
    }
}
