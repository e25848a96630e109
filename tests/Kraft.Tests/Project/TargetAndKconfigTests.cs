using Kraft.Project;
using static Kraft.Tests.Project.Yaml;

namespace Kraft.Tests.Project;

public sealed class TargetAndKconfigTests : IDisposable
{
    private readonly TempProject _p = new();

    public void Dispose() => _p.Dispose();

    private IReadOnlyList<Target> Targets(params string[] lines) =>
        _p.Load(Lines(["spec: v0.6", "name: app", "targets:", .. lines])).Targets;

    [Theory]
    [InlineData("qemu/x86_64", "qemu", "x86_64")]
    [InlineData("kvm/x86_64", "qemu", "x86_64")]
    [InlineData("firecracker/arm64", "fc", "arm64")]
    [InlineData("fc/aarch64", "fc", "arm64")]
    [InlineData("xen/amd64", "xen", "x86_64")]
    [InlineData("linuxu/arm", "linuxu", "arm")]
    [InlineData("kraftcloud/x86_64", "kraftcloud", "x86_64")]
    public void StringTargets(string text, string plat, string arch)
    {
        var t = Targets("  - " + text).Single();
        Assert.Equal(("app", plat, arch), (t.Name, t.Platform, t.Architecture));
        Assert.Equal(4, t.Location!.Value.Line);
    }

    [Fact]
    public void MapTargetsWithAllKeySpellings()
    {
        var t = Targets(
            "  - name: custom",
            "    architecture: x86_64",
            "    platform: kvm",
            "  - arch: arm64",
            "    plat: firecracker",
            "    kconfig: {CONFIG_X: true}",
            "  - plat: qemu/arm64");
        Assert.Equal(["custom_qemu-x86_64", "app_fc-arm64", "app_qemu-arm64"], t.Select(x => x.KernelName));
        Assert.Equal(new KconfigOption("CONFIG_X", "y"), t[1].Kconfig.Single() with { Location = null });
    }

    [Fact]
    public void SingleTargetWithoutListIsAccepted()
    {
        Assert.Equal("qemu/x86_64", Targets("  qemu/x86_64").Single().PlatArch);
    }

    [Theory]
    [InlineData("qemu")]
    [InlineData("qemu/x86_64/extra")]
    [InlineData("/x86_64")]
    public void InvalidTargetString(string text)
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - " + text));
        Assert.Equal($"invalid target '{text}'", e.Message);
        Assert.Equal((3, 5), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void UnknownArchitectureListsTheValidOnes()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - plat: qemu", "    arch: riscv64"));
        Assert.Equal("unknown architecture 'riscv64'", e.Message);
        Assert.Equal((4, 11), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.Equal("use one of: x86_64, arm64, arm", e.Hint);
    }

    [Theory]
    [InlineData("  - qemuu/x86_64", 3, 5)]
    [InlineData("  - {platform: qemuu, architecture: x86_64}", 3, 16)]
    public void UnknownPlatformIsRefusedWithTheNearOne(string line, int row, int column)
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", line));
        Assert.Equal("unknown platform 'qemuu'", e.Message);
        Assert.Equal((row, column), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.StartsWith("did you mean 'qemu'? use one of: qemu, fc, xen", e.Hint);
    }

    [Fact]
    public void KnownPlatformsAndAliasesAreAccepted()
    {
        foreach (var plat in new[] { "qemu", "kvm", "fc", "firecracker", "xen", "linuxu", "kraftcloud" })
            Assert.Single(_p.Load(Lines("spec: v0.6", "targets:", $"  - {plat}/x86_64")).Targets);
    }

    [Fact]
    public void ArchitectureTypoGetsTheNearOne()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - qemu/x86_46"));
        Assert.StartsWith("did you mean 'x86_64'?", e.Hint);
    }

    [Fact]
    public void MissingArchitectureIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - platform: qemu"));
        Assert.Equal("the architecture must be specified for every target", e.Message);
        Assert.Equal((3, 5), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void MissingPlatformIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - architecture: x86_64"));
        Assert.Equal("the platform must be specified for every target", e.Message);
    }

    [Fact]
    public void ConflictingArchitecturesAreAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - platform: qemu/x86_64", "    arch: arm64"));
        Assert.Contains("architecture is given twice", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void DuplicateTargetsAreAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - qemu/x86_64", "  - kvm/x86_64"));
        Assert.Contains("listed twice", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void TargetNumberIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - 5"));
        Assert.Equal("a target must be a string or a map, not a number", e.Message);
    }

    [Fact]
    public void IgnoredTargetKeysWarn()
    {
        var p = _p.Load(Lines("spec: v0.6", "targets:", "  - plat: qemu", "    arch: x86_64", "    kernel: foo", "    whatever: 1"));
        Assert.Equal(2, p.Warnings.Count);
        Assert.Contains(":5:5: target key 'kernel' is not supported", p.Warnings[0]);
    }

    [Fact]
    public void KconfigListAndMapForms()
    {
        var p = _p.Load(Lines("spec: v0.6",
            "kconfig:",
            "  - CONFIG_A=y",
            "  - B=42",
            "  - CONFIG_S=\"quoted text\"",
            "  - CONFIG_E=a=b",
            "unikraft:",
            "  kconfig:",
            "    CONFIG_T: true",
            "    CONFIG_F: false",
            "    CONFIG_I: 0010",
            "    CONFIG_H: 0x400000",
            "    CONFIG_Q: 'y'",
            "    NOPREFIX: abc"));
        Assert.Equal(["CONFIG_A=y", "CONFIG_B=42", "CONFIG_S=quoted text", "CONFIG_E=a=b"], p.Kconfig.Select(o => $"{o.Name}={o.Value}"));
        Assert.Equal(["CONFIG_T=y", "CONFIG_F=n", "CONFIG_I=10", "CONFIG_H=0x400000", "CONFIG_Q=y", "CONFIG_NOPREFIX=abc"],
            p.Unikraft!.Kconfig.Select(o => $"{o.Name}={o.Value}"));
        Assert.Equal((3, 5), (p.Kconfig[0].Location!.Value.Line, p.Kconfig[0].Location!.Value.Column));
    }

    [Fact]
    public void KconfigLaterAssignmentWins()
    {
        var k = _p.Load("spec: v0.6\nkconfig: [CONFIG_A=y, CONFIG_B=y, CONFIG_A=n]\n").Kconfig;
        Assert.Equal(["CONFIG_A=n", "CONFIG_B=y"], k.Select(o => $"{o.Name}={o.Value}"));
    }

    [Theory]
    [InlineData("  - CONFIG_A=", "kconfig option 'CONFIG_A=' has no value", 3, 5)]
    [InlineData("  - CONFIG_A", "kconfig option 'CONFIG_A' must be a key-value pair (CONFIG_NAME=value)", 3, 5)]
    [InlineData("  - 5", "kconfig option '5' must be a key-value pair (CONFIG_NAME=value)", 3, 5)]
    [InlineData("  -", "kconfig list items must be CONFIG_NAME=value strings, not null", 3, 4)]
    [InlineData("  CONFIG_A:", "kconfig option 'CONFIG_A' has no value", 3, 3)]
    [InlineData("  CONFIG_A: ''", "kconfig option 'CONFIG_A' has no value", 3, 13)]
    [InlineData("  CONFIG_A: [y]", "kconfig option 'CONFIG_A' must have a scalar value, not a list", 3, 13)]
    [InlineData("  CONFIG-A: y", "'CONFIG-A' is not a valid kconfig option name", 3, 3)]
    [InlineData("  CONFIG_A y", "'kconfig' must be a list or a map, not a string", 3, 3)]
    public void KconfigErrors(string line, string message, int lineNo, int col)
    {
        var e = _p.Fail(Lines("spec: v0.6", "kconfig:", line));
        Assert.Equal(message, e.Message);
        Assert.Equal((lineNo, col), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void KconfigInTargetErrorsPointIntoTheTarget()
    {
        var e = _p.Fail(Lines("spec: v0.6", "targets:", "  - plat: qemu", "    arch: x86_64", "    kconfig:", "      CONFIG_X: ~"));
        Assert.Equal((6, 17), (e.Location!.Value.Line, e.Location.Value.Column));
    }
}
