using Kraft.Host;
using Kraft.Machines;

namespace Kraft.Tests.Machines;

public class ProbeTests
{
    [Theory]
    [InlineData("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)", "7.2.22")]
    [InlineData("QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)", "8.2.2")]
    [InlineData("QEMU emulator version 9.1.0", "9.1.0")]
    [InlineData("QEMU emulator version 8.1", "8.1.0")]
    [InlineData("QEMU emulator version 10.0.50 (v10.0.0-1234-gabc)", "10.0.50")]
    public void Parses_the_version_line(string line, string version) =>
        Assert.Equal(Version.Parse(version), QemuProbe.ParseVersion(line));

    [Theory]
    [InlineData("")]
    [InlineData("qemu-img version 7.2.0")]
    [InlineData("QEMU emulator version ")]
    [InlineData("QEMU emulator version x.y")]
    public void Rejects_other_lines(string line) => Assert.Null(QemuProbe.ParseVersion(line));

    [Theory]
    [InlineData(GuestArch.X86_64, "qemu-system-x86_64")]
    [InlineData(GuestArch.Arm64, "qemu-system-aarch64")]
    [InlineData(GuestArch.Arm, "qemu-system-arm")]
    public void Picks_the_binary_by_arch(GuestArch arch, string name) =>
        Assert.Equal(name, QemuProbe.BinaryName(arch));

    [Fact]
    public void Override_may_carry_leading_args()
    {
        var q = QemuProbe.Locate(GuestArch.X86_64, "/bin/sh -L /x");
        Assert.Equal("/bin/sh", q.Path);
        Assert.Equal(["-L", "/x"], q.LeadingArgs);
    }

    [Fact]
    public void Missing_override_binary_is_an_error()
    {
        var e = Assert.Throws<KraftException>(() => QemuProbe.Locate(GuestArch.X86_64, "/nonexistent/qemu"));
        Assert.Contains("KRAFTKIT_QEMU", e.Message);
    }

    [SkippableFact]
    public void Embedded_version_matches_the_version_flag()
    {
        var path = ToolLocator.Find("qemu-system-x86_64");
        Skip.If(path is null, "qemu-system-x86_64 is not installed");
        var qemu = new QemuBinary(path, []);
        var embedded = QemuProbe.ReadEmbeddedVersion(path);
        Skip.If(embedded is null, "this QEMU build has no embedded banner");
        Assert.Equal(QemuProbe.ProbeVersion(qemu), embedded);
        Assert.Equal(embedded, QemuProbe.GetVersion(qemu));
    }

    [Fact]
    public void Embedded_version_of_a_non_qemu_file_is_null() =>
        Assert.Null(QemuProbe.ReadEmbeddedVersion("/bin/sh"));

    [Fact]
    public void Missing_kvm_device_is_explained()
    {
        var s = KvmProbe.ProbeDevice("/nonexistent/kvm");
        Assert.False(s.Usable);
        Assert.Equal("/nonexistent/kvm does not exist", s.Reason);
        Assert.NotNull(s.Hint);
    }

    [Fact]
    public void A_regular_file_is_not_a_kvm_device()
    {
        var f = Path.GetTempFileName();
        try
        {
            var s = KvmProbe.ProbeDevice(f);
            Assert.False(s.Usable);
            Assert.Contains("not a character device", s.Reason);
        }
        finally { File.Delete(f); }
    }

    [Fact]
    public void A_char_device_that_is_not_kvm_fails_the_ioctl()
    {
        var s = KvmProbe.ProbeDevice("/dev/null");
        Assert.False(s.Usable);
        Assert.Contains("KVM_GET_API_VERSION", s.Reason);
    }

    [Fact]
    public void Kvm_needs_the_guest_to_match_the_host()
    {
        var other = GuestArchNames.Host == GuestArch.Arm64 ? GuestArch.X86_64 : GuestArch.Arm64;
        var s = KvmProbe.Probe(other);
        Assert.False(s.Usable);
        Assert.Contains($"the guest is {other.Name()}", s.Reason);
    }

    [SkippableFact]
    public void Real_kvm_device_answers_when_usable()
    {
        Skip.IfNot(File.Exists("/dev/kvm"), "no /dev/kvm");
        // No sysfs modules directory: only the device itself is checked.
        var s = KvmProbe.ProbeDevice("/dev/kvm", sysModule: "/nonexistent");
        Skip.If(!s.Usable && s.Reason!.Contains("permission"), "no access to /dev/kvm");
        Assert.True(s.Usable, s.Reason);
    }

    [SkippableFact]
    public void Pvm_kvm_is_not_usable_for_unikraft()
    {
        Skip.IfNot(File.Exists("/dev/kvm"), "no /dev/kvm");
        var sys = Directory.CreateTempSubdirectory("kraft-sys-");
        try
        {
            Directory.CreateDirectory(Path.Combine(sys.FullName, "kvm_pvm"));
            var s = KvmProbe.ProbeDevice("/dev/kvm", sys.FullName);
            Skip.If(!s.Usable && !s.Reason!.Contains("PVM"), $"/dev/kvm unusable anyway: {s.Reason}");
            Assert.False(s.Usable);
            Assert.Contains("PVM", s.Reason);
        }
        finally { sys.Delete(true); }
    }

    [Theory]
    [InlineData("x86_64", GuestArch.X86_64)]
    [InlineData("amd64", GuestArch.X86_64)]
    [InlineData("ARM64", GuestArch.Arm64)]
    [InlineData("aarch64", GuestArch.Arm64)]
    [InlineData("arm", GuestArch.Arm)]
    public void Parses_arch_names(string name, GuestArch arch) => Assert.Equal(arch, GuestArchNames.Parse(name));
}
