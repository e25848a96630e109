using Kraft.Build;
using Kraft.Project;

namespace Kraft.Tests.Build;

public class TargetSelectorTests
{
    static readonly KraftProject P = new()
    {
        Directory = "/p", KraftfilePath = "/p/Kraftfile", Spec = "v0.6", Name = "app", OutDir = "/p/.unikraft/build",
        Targets =
        [
            new Target { Name = "app", Platform = "qemu", Architecture = "x86_64" },
            new Target { Name = "app", Platform = "qemu", Architecture = "arm64" },
            new Target { Name = "edge", Platform = "fc", Architecture = "x86_64" },
        ],
    };

    [Fact]
    public void No_filter_selects_all() => Assert.Equal(3, TargetSelector.Select(P, null, null, null).Count);

    [Theory]
    [InlineData(null, "kvm", "x86_64", "app_qemu-x86_64")]
    [InlineData(null, "qemu", "aarch64", "app_qemu-arm64")]
    [InlineData("edge", null, null, "edge_fc-x86_64")]
    [InlineData("firecracker/x86_64", null, null, "edge_fc-x86_64")]
    [InlineData("app_qemu-arm64", null, null, "app_qemu-arm64")]
    public void Filters_by_name_plat_and_arch(string? target, string? plat, string? arch, string kernel) =>
        Assert.Equal(kernel, Assert.Single(TargetSelector.Select(P, target, plat, arch)).KernelName);

    [Fact]
    public void Unknown_architecture_says_which_exist()
    {
        var e = Assert.Throws<KraftException>(() => TargetSelector.Select(P, null, null, "riscv64"));
        Assert.Contains("unknown architecture 'riscv64'", e.Message);
        Assert.Contains("x86_64, arm64, arm", e.Hint);
    }

    [Fact]
    public void Unknown_platform_says_which_exist()
    {
        var e = Assert.Throws<KraftException>(() => TargetSelector.Select(P, null, "vbox", null));
        Assert.Contains("unknown platform 'vbox'", e.Message);
    }

    [Fact]
    public void No_match_lists_the_targets()
    {
        var e = Assert.Throws<KraftException>(() => TargetSelector.Select(P, null, "xen", null));
        Assert.Contains("no target matches -p xen", e.Message);
        Assert.Contains("edge (fc/x86_64)", e.Hint);
    }
}
