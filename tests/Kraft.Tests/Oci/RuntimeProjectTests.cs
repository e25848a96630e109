using Kraft.Machines;
using Kraft.Oci;
using Kraft.Project;

namespace Kraft.Tests.Oci;

public class RuntimeProjectTests
{
    static KraftProject Load(TempDir dir, string kraftfile) => KraftfileLoader.Parse(dir.Write("Kraftfile", kraftfile), kraftfile);

    [Fact]
    public void A_runtime_without_unikraft_or_template_is_a_runtime_project()
    {
        using var dir = new TempDir();
        Assert.NotNull(RuntimeProject.PlanFor(Load(dir, "spec: v0.6\nname: helloworld-g++13.2\nruntime: base:latest\nrootfs: ./Dockerfile\ncmd: [\"/helloworld\"]\n")));
        Assert.Null(RuntimeProject.PlanFor(Load(dir, "spec: v0.6\nruntime: base:latest\ntemplate:\n  source: https://github.com/unikraft/app-elfloader.git\n")));
        Assert.Null(RuntimeProject.PlanFor(Load(dir, "spec: v0.6\nunikraft:\n  version: stable\ntargets:\n  - qemu/x86_64\n")));
    }

    [Fact]
    public void Without_targets_the_platform_is_qemu_on_this_machine_unless_asked()
    {
        using var dir = new TempDir();
        var p = Load(dir, "spec: v0.6\nruntime: base:latest\n");
        Assert.Equal(("qemu", (GuestArchNames.Host ?? GuestArch.X86_64).Name()), RuntimeProject.Choose(p, null, null, null));
        Assert.Equal(("fc", "arm64"), RuntimeProject.Choose(p, "firecracker/aarch64", null, null));
        Assert.Equal(("qemu", "arm64"), RuntimeProject.Choose(p, null, null, "arm64"));
        Assert.Throws<KraftException>(() => RuntimeProject.Choose(p, "mytarget", null, null));
        var withTargets = Load(dir, "spec: v0.6\nruntime: base:latest\ntargets:\n  - qemu/arm64\n");
        Assert.Equal(("qemu", "arm64"), RuntimeProject.Choose(withTargets, null, null, null));
    }

    [Fact]
    public void The_project_env_replaces_the_image_env_of_the_same_name()
    {
        var merged = RuntimeProject.MergeEnv([new("A", "1"), new("B", "2")], [new("B", "3"), new("C", "4")]);
        Assert.Equal(["A=1", "B=3", "C=4"], merged.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    [Fact]
    public void The_rootfs_location_is_where_the_kraftfile_says_it()
    {
        using var dir = new TempDir();
        var p = Load(dir, "spec: v0.6\nruntime: base:latest\nrootfs: ./missing\n");
        var e = Assert.Throws<KraftException>(() => Kraft.Rootfs.ProjectRootfs.Build(p, "x86_64", null, NullReporter.Instance));
        Assert.Equal(3, e.Location!.Value.Line);
        Assert.Equal(9, e.Location!.Value.Column);
    }
}
