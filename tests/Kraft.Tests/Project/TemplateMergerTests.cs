using Kraft.Project;

namespace Kraft.Tests.Project;

public sealed class TemplateMergerTests
{
    [Fact]
    public void Project_values_win_and_kconfig_libraries_and_targets_are_combined()
    {
        using var dir = new TempProject("web");
        var template = KraftfileLoader.Parse(dir.Write("tpl/Kraftfile"), Yaml.Lines(
            "spec: v0.6",
            "name: elfloader",
            "cmd: [\"/hello\"]",
            "unikraft:",
            "  version: staging",
            "  kconfig:",
            "    CONFIG_A: 'y'",
            "    CONFIG_B: 'y'",
            "libraries:",
            "  lwip: stable",
            "  libelf: stable",
            "targets:",
            "  - qemu/x86_64",
            "  - qemu/arm64"), Path.Combine(dir.Dir, "tpl"));
        var project = dir.Load(Yaml.Lines(
            "spec: v0.6",
            "name: web",
            "template: ./tpl",
            "cmd: [\"/usr/bin/nginx\"]",
            "unikraft:",
            "  kconfig:",
            "    CONFIG_B: 'n'",
            "    CONFIG_C: 'y'",
            "libraries:",
            "  lwip:",
            "    version: staging",
            "  musl: stable",
            "targets:",
            "  - fc/x86_64",
            "  - qemu/x86_64"));
        var (merged, conflicts) = TemplateMerger.Merge(project, template, Path.Combine(dir.Dir, "tpl"));

        Assert.Equal("web", merged.Name);
        Assert.Equal(["/usr/bin/nginx"], merged.Cmd);
        Assert.Equal(Path.Combine(dir.Dir, "tpl"), merged.AppDirectory);
        Assert.Equal("staging", merged.Unikraft!.Version);
        Assert.Equal(["CONFIG_A=y", "CONFIG_B=n", "CONFIG_C=y"], merged.Unikraft.Kconfig.Select(k => $"{k.Name}={k.Value}"));
        Assert.Equal(["lwip@staging", "libelf@stable", "musl@stable"], merged.Libraries.Select(l => $"{l.Name}@{l.Version}"));
        Assert.Equal(["web fc/x86_64", "web qemu/x86_64", "web qemu/arm64"], merged.Targets.Select(t => $"{t.Name} {t.PlatArch}"));
        Assert.Contains(conflicts, c => c.Contains("cmd") && c.Contains("/hello") && c.Contains("/usr/bin/nginx"));
        Assert.Contains(conflicts, c => c.Contains("unikraft.kconfig CONFIG_B") && c.Contains("project's n"));
        Assert.Contains(conflicts, c => c.Contains("libraries.lwip") && c.Contains("stable") && c.Contains("staging"));
        Assert.Equal(3, conflicts.Count);
    }
}
