using Kraft.Build;
using Kraft.Project;

namespace Kraft.Tests.Build;

public class RequestedOptionsTests
{
    static KraftProject Project(params Target[] targets) => new()
    {
        Directory = "/p", KraftfilePath = "/p/Kraftfile", Spec = "v0.6", Name = "app", OutDir = "/p/.unikraft/build",
        Unikraft = new Component { Name = "unikraft", Kind = ComponentKind.Core, Kconfig = [new("CONFIG_A", "y"), new("CONFIG_B", "1")] },
        Libraries =
        [
            new Component { Name = "musl", Kind = ComponentKind.Library, Kconfig = [new("CONFIG_B", "2")] },
            new Component { Name = "libfoo-bar", Kind = ComponentKind.Library },
        ],
        Targets = targets,
    };

    static readonly Target Qemu = new() { Name = "app", Platform = "qemu", Architecture = "x86_64", Kconfig = [new("CONFIG_B", "3", new SourceLocation("/p/Kraftfile", 9, 7))] };

    [Fact]
    public void Later_levels_override_earlier_ones_and_implicit_symbols_are_added()
    {
        var r = RequestedOptions.For(Project(Qemu), Qemu).ToDictionary(o => o.Name);
        Assert.Equal("app", r["CONFIG_UK_NAME"].Value);
        Assert.Equal("y", r["CONFIG_A"].Value);
        Assert.Equal("3", r["CONFIG_B"].Value);
        Assert.Contains("/p/Kraftfile:9:7", r["CONFIG_B"].Origin);
        Assert.Equal("y", r["CONFIG_LIBMUSL"].Value);
        Assert.Equal("y", r["CONFIG_LIBFOO_BAR"].Value);
        Assert.Equal("y", r["CONFIG_ARCH_X86_64"].Value);
        Assert.Equal("y", r["CONFIG_PLAT_KVM"].Value);
        Assert.Equal("y", r["CONFIG_KVM_VMM_QEMU"].Value);
    }

    [Theory]
    [InlineData("musl", "CONFIG_LIBMUSL")]
    [InlineData("libelf", "CONFIG_LIBELF")]
    [InlineData("lwip", "CONFIG_LIBLWIP")]
    [InlineData("compiler-rt", "CONFIG_LIBCOMPILER_RT")]
    public void Library_symbol_does_not_double_lib(string name, string symbol) =>
        Assert.Equal(symbol, RequestedOptions.LibrarySymbol(name));

    [Fact]
    public void Firecracker_and_arm64_symbols()
    {
        var fc = new Target { Name = "app", Platform = "fc", Architecture = "arm64" };
        var r = RequestedOptions.For(Project(fc), fc).Select(o => o.Name).ToList();
        Assert.Contains("CONFIG_KVM_VMM_FIRECRACKER", r);
        Assert.Contains("CONFIG_ARCH_ARM_64", r);
        Assert.DoesNotContain("CONFIG_KVM_VMM_QEMU", r);
    }

    [Fact]
    public void Verify_lists_what_did_not_stick()
    {
        var asked = new[]
        {
            new RequestedOption("CONFIG_A", "y", "x"), new RequestedOption("CONFIG_OFF", "n", "x"),
            new RequestedOption("CONFIG_GONE", "y", "x"), new RequestedOption("CONFIG_S", "abc", "x"),
            new RequestedOption("CONFIG_H", "0x10", "x"), new RequestedOption("CONFIG_W", "y", "x"),
        };
        var actual = new Dictionary<string, string> { ["CONFIG_A"] = "y", ["CONFIG_S"] = "abd", ["CONFIG_H"] = "16", ["CONFIG_W"] = "n" };
        var m = RequestedOptions.Verify(asked, actual);
        Assert.Equal(["CONFIG_GONE", "CONFIG_S", "CONFIG_W"], m.Select(x => x.Name));
        Assert.Null(m[0].Got);
        Assert.Contains("unmet dependency", m[0].GotText);
        Assert.Equal("abd", m[1].Got);
    }
}
