using System.Text.Json;
using Kraft.Project;
using YamlDotNet.RepresentationModel;

namespace Kraft.Tests.Project;

public sealed class ProjectRendererTests
{
    private static readonly KraftProject Sample = KraftfileLoader.Parse("/proj/app/Kraftfile", string.Join("\n",
        "spec: v0.6",
        "name: hello",
        "unikraft:",
        "  source: https://github.com/unikraft/unikraft.git",
        "  version: stable",
        "  kconfig: {CONFIG_LIBUKDEBUG: 'y'}",
        "libraries: {musl: stable}",
        "targets: [qemu/x86_64, {plat: fc, arch: arm64, kconfig: [CONFIG_N=n]}]",
        "runtime: base:latest",
        "rootfs: ./Dockerfile",
        "cmd: \"-c '/etc/a b.conf'\"",
        "env: {HOME: /, EMPTY: ~}",
        "labels: {org.example.owner: me}",
        "volumes: [./data:/data]",
        "kconfig: [CONFIG_TOP=0.6]",
        ""));

    [Fact]
    public void JsonHasEveryFieldInOrder()
    {
        var json = ProjectRenderer.ToJson(Sample);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(["name", "spec", "kraftfile", "directory", "outdir", "unikraft", "libraries", "targets", "runtime", "template",
            "rootfs", "cmd", "env", "volumes", "labels", "kconfig"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("hello", root.GetProperty("name").GetString());
        Assert.Equal("/proj/app/.unikraft/build", root.GetProperty("outdir").GetString());
        Assert.Equal("y", root.GetProperty("unikraft").GetProperty("kconfig").GetProperty("CONFIG_LIBUKDEBUG").GetString());
        Assert.Equal("hello_fc-arm64", root.GetProperty("targets")[1].GetProperty("kernel").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("template").ValueKind);
        Assert.Equal(["-c", "/etc/a b.conf"], root.GetProperty("cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("", root.GetProperty("env").GetProperty("EMPTY").GetString());
        Assert.False(root.GetProperty("volumes")[0].GetProperty("readonly").GetBoolean());
        Assert.Equal("base", root.GetProperty("runtime").GetProperty("name").GetString());
    }

    [Fact]
    public void YamlRoundTripsAsStrings()
    {
        var yaml = ProjectRenderer.ToYaml(Sample);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.Equal("name", ((YamlScalarNode)root.Children.Keys.First()).Value);
        var debug = (YamlScalarNode)((YamlMappingNode)((YamlMappingNode)root["unikraft"])["kconfig"])["CONFIG_LIBUKDEBUG"];
        // 'y' and '0.6' must stay strings for any YAML reader, so they are quoted.
        Assert.Equal(YamlDotNet.Core.ScalarStyle.SingleQuoted, debug.Style);
        var top = (YamlScalarNode)((YamlMappingNode)root["kconfig"])["CONFIG_TOP"];
        Assert.Equal(("0.6", YamlDotNet.Core.ScalarStyle.SingleQuoted), (top.Value, top.Style));
        Assert.Contains("template: null", yaml);
        Assert.Contains("spec: v0.6", yaml);
    }

    [Fact]
    public void TableSummarises()
    {
        var text = ProjectRenderer.ToTable(Sample);
        Assert.Contains("name       hello\n", text);
        Assert.Contains("unikraft   unikraft, version stable, from https://github.com/unikraft/unikraft.git, 1 kconfig option(s)", text);
        Assert.Contains("cmd        -c '/etc/a b.conf'", text);
        Assert.Contains("TARGET  PLATFORM  ARCHITECTURE  KERNEL", text);
        Assert.Contains("hello   fc        arm64         hello_fc-arm64", text);
    }

    [Fact]
    public void RenderPicksTheFormat()
    {
        Assert.StartsWith("{", ProjectRenderer.Render(Sample, "json"));
        Assert.StartsWith("name: hello", ProjectRenderer.Render(Sample, "yaml"));
        Assert.StartsWith("name", ProjectRenderer.Render(Sample, "table"));
        Assert.Throws<KraftException>(() => ProjectRenderer.Render(Sample, "xml"));
    }
}
