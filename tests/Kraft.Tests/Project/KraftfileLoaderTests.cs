using Kraft.Project;
using static Kraft.Tests.Project.Yaml;

namespace Kraft.Tests.Project;

public sealed class KraftfileLoaderTests : IDisposable
{
    private readonly TempProject _p = new("my_App.1");

    public void Dispose() => _p.Dispose();

    [Fact]
    public void FullV06FileLoads()
    {
        var p = _p.Load(Lines(
            "spec: v0.6",
            "name: hello",
            "unikraft:",
            "  version: stable",
            "  kconfig:",
            "    CONFIG_LIBUKDEBUG: 'y'",
            "libraries:",
            "  musl: stable",
            "targets:",
            "  - qemu/x86_64",
            "  - plat: fc",
            "    arch: x86_64",
            "    kconfig:",
            "      - CONFIG_LIBVFSCORE_AUTOMOUNT_ROOTFS=y",
            "cmd: [\"-c\", \"/etc/app.conf\"]",
            "env:",
            "  HOME: /",
            "labels:",
            "  org.example.owner: me",
            "volumes:",
            "  - ./data:/data"));
        Assert.Equal("v0.6", p.Spec);
        Assert.Equal("hello", p.Name);
        Assert.Equal(_p.Dir, p.Directory);
        Assert.Equal(_p.KraftfilePath, p.KraftfilePath);
        Assert.Equal(Path.Combine(_p.Dir, ".unikraft", "build"), p.OutDir);
        Assert.Equal("stable", p.Unikraft!.Version);
        Assert.Equal(new KconfigOption("CONFIG_LIBUKDEBUG", "y"), p.Unikraft.Kconfig.Single() with { Location = null });
        Assert.Equal(("musl", "stable"), (p.Libraries.Single().Name, p.Libraries.Single().Version));
        Assert.Equal(["hello_qemu-x86_64", "hello_fc-x86_64"], p.Targets.Select(t => t.KernelName));
        Assert.Equal(["-c", "/etc/app.conf"], p.Cmd);
        Assert.Equal([new KeyValuePair<string, string>("HOME", "/")], p.Env);
        Assert.Equal([new KeyValuePair<string, string>("org.example.owner", "me")], p.Labels);
        Assert.Equal([new Volume("./data", "/data")], p.Volumes);
        Assert.Empty(p.Warnings);
    }

    [Fact]
    public void HelloworldV05FileFromTheAppRepository()
    {
        var p = _p.Load(Lines(
            "---",
            "specification: '0.5'",
            "name: helloworld",
            "unikraft:",
            "  version: stable",
            "targets:",
            "  - architecture: x86_64",
            "    platform: qemu",
            "  - architecture: arm64",
            "    platform: qemu",
            "  - architecture: x86_64",
            "    platform: firecracker",
            "  - architecture: arm64",
            "    platform: firecracker"));
        Assert.Equal("0.5", p.Spec);
        Assert.Equal(["qemu/x86_64", "qemu/arm64", "fc/x86_64", "fc/arm64"], p.Targets.Select(t => t.PlatArch));
        Assert.All(p.Targets, t => Assert.Equal("helloworld", t.Name));
    }

    [Fact]
    public void V04ArchitecturesAndPlatformsBecomeTargets()
    {
        var p = _p.Load(Lines(
            "specification: '0.4'",
            "name: helloworld",
            "unikraft: '0.4'",
            "architectures:",
            "  x86_64: true",
            "  arm64:",
            "    kconfig: [CONFIG_A=y]",
            "  arm: false",
            "platforms:",
            "  linuxu: true",
            "  kvm: true"));
        Assert.Equal("0.4", p.Unikraft!.Version);
        Assert.Equal(["linuxu/x86_64", "linuxu/arm64", "qemu/x86_64", "qemu/arm64"], p.Targets.Select(t => t.PlatArch));
        Assert.Equal("CONFIG_A", p.Targets[1].Kconfig.Single().Name);
        Assert.Empty(p.Targets[0].Kconfig);
    }

    [Fact]
    public void V04MatrixAndTargetsTogetherIsAnError()
    {
        var e = _p.Fail(Lines("spec: '0.4'", "architectures: {x86_64: true}", "platforms: {kvm: true}", "targets: [qemu/x86_64]"));
        Assert.Contains("cannot be combined", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void V04ArchitecturesWithoutPlatformsIsAnError()
    {
        var e = _p.Fail(Lines("spec: '0.4'", "architectures:", "  x86_64: true"));
        Assert.Contains("must be given together", e.Message);
        Assert.Equal((3, 3), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Theory]
    [InlineData("spec: v0.6")]
    [InlineData("spec: '0.6'")]
    [InlineData("spec: \"v0.6\"")]
    [InlineData("specification: '0.5'")]
    [InlineData("specification: v0.5.0")]
    public void SpecForms(string line)
    {
        var p = _p.Load(line + "\n");
        Assert.Equal(line[(line.IndexOf(':') + 2)..].Trim('\'', '"'), p.Spec);
    }

    [Fact]
    public void SpecificationWinsOverSpec()
    {
        Assert.Equal("0.5", _p.Load(Lines("spec: v0.6", "specification: '0.5'")).Spec);
    }

    [Fact]
    public void MissingSpecIsAnError()
    {
        var e = _p.Fail(Lines("name: x", "unikraft: stable"));
        Assert.Equal("missing 'spec' version attribute", e.Message);
        Assert.Equal(1, e.Location!.Value.Line);
        Assert.Contains("spec: 'v0.6'", e.Hint);
    }

    [Fact]
    public void NumericSpecIsAnErrorWithQuoteHint()
    {
        var e = _p.Fail(Lines("name: x", "spec: 0.6"));
        Assert.Equal("'spec' must be a string, not a number", e.Message);
        Assert.Equal((2, 7), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.Equal("quote it: spec: 'v0.6'", e.Hint);
    }

    [Fact]
    public void GarbageSpecIsAnError()
    {
        var e = _p.Fail("spec: latest\n");
        Assert.Equal("'latest' is not a spec version", e.Message);
        Assert.Equal(1, e.Location!.Value.Line);
    }

    [Fact]
    public void NewerSpecWarns()
    {
        var p = _p.Load("spec: v0.7\n");
        Assert.Contains(p.Warnings, w => w.Contains("newer than this kraft understands"));
    }

    [Fact]
    public void NameDefaultsToTheNormalisedDirectoryName()
    {
        // The directory is "my_App.1": lowercased, '.' dropped.
        var p = _p.Load("spec: v0.6\ntargets: [qemu/x86_64]\n");
        Assert.Equal("my_app1", p.Name);
        Assert.Equal("my_app1_qemu-x86_64", p.Targets.Single().KernelName);
    }

    [Fact]
    public void NameThatIsAMapIsAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "name:", "  a: b"));
        Assert.Equal("'name' must be a string, not a map", e.Message);
        Assert.Equal((3, 3), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void OutdirIsTheOutputDirectoryRelativeToTheProject()
    {
        Assert.Equal(Path.Combine(_p.Dir, "out"), _p.Load("spec: v0.6\noutdir: out\n").OutDir);
        Assert.Equal("/tmp/elsewhere", _p.Load("spec: v0.6\noutdir: /tmp/elsewhere\n").OutDir);
    }

    [Fact]
    public void ExplicitDirectoryOverridesTheKraftfilesDirectory()
    {
        var p = KraftfileLoader.Parse("/somewhere/Kraftfile", "spec: v0.6\n", "/work/other");
        Assert.Equal("/work/other", p.Directory);
        Assert.Equal("other", p.Name);
        Assert.Equal("/somewhere/Kraftfile", p.KraftfilePath);
    }

    [Fact]
    public void UnknownKeysWarnAndExtensionsAreIgnored()
    {
        var p = _p.Load(Lines("spec: v0.6", "x-custom: {a: 1}", "colour: blue", "run: {arguments: x}"));
        Assert.Equal(2, p.Warnings.Count);
        Assert.Equal($"{_p.KraftfilePath}:3:1: unknown key 'colour' ignored", p.Warnings[0]);
        Assert.Contains("pre-v0.6 field", p.Warnings[1]);
    }

    [Fact]
    public void PykraftArgumentsBecomeCmd()
    {
        Assert.Equal(["-v", "a b"], _p.Load("specification: '0.5'\narguments: -v 'a b'\n").Cmd);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n\n# another\n")]
    [InlineData("---\n")]
    public void EmptyFileIsAClearError(string text)
    {
        var e = _p.Fail(text);
        Assert.Equal("Kraftfile is empty", e.Message);
        Assert.Equal(_p.KraftfilePath, e.Location!.Value.ToString());
        Assert.Contains("spec: v0.6", e.Hint);
    }

    [Fact]
    public void TopLevelListIsAnError()
    {
        var e = _p.Fail("- spec: v0.6\n");
        Assert.Equal("the top level of a Kraftfile must be a map of fields, not a list", e.Message);
        Assert.Equal((1, 1), (e.Location!.Value.Line, e.Location.Value.Column));
    }

    [Fact]
    public void TopLevelScalarIsAnError()
    {
        Assert.Contains("not a string", _p.Fail("hello\n").Message);
    }

    [Fact]
    public void MalformedYamlCarriesTheParsersPosition()
    {
        var e = _p.Fail(Lines("spec: v0.6", "name: [unclosed", "targets: x"));
        Assert.StartsWith("invalid YAML: ", e.Message);
        Assert.DoesNotContain("Line:", e.Message);
        Assert.Equal((2, 7), (e.Location!.Value.Line, e.Location.Value.Column));
        Assert.Contains("left open", e.Message);
        Assert.Equal(_p.KraftfilePath, e.Location.Value.File);
    }

    [Fact]
    public void BadIndentationIsAYamlError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "unikraft:", "  version: stable", " kconfig: []"));
        Assert.StartsWith("invalid YAML", e.Message);
        Assert.Equal(4, e.Location!.Value.Line);
    }

    [Fact]
    public void DuplicateKeysWarnAndTheLastOneWins()
    {
        var p = _p.Load(Lines("spec: v0.6", "name: a", "unikraft:", "  kconfig:", "    CONFIG_A: 'y'", "    CONFIG_B: 'y'", "    CONFIG_A: 'n'", "name: b"));
        Assert.Equal("b", p.Name);
        Assert.Equal(["CONFIG_B=y", "CONFIG_A=n"], p.Unikraft!.Kconfig.Select(o => $"{o.Name}={o.Value}"));
        Assert.Equal([$"{_p.KraftfilePath}:7:5: key 'CONFIG_A' is given more than once; the last one is used",
            $"{_p.KraftfilePath}:8:1: key 'name' is given more than once; the last one is used"], p.Warnings);
    }

    [Fact]
    public void SeveralDocumentsAreAnError()
    {
        var e = _p.Fail(Lines("spec: v0.6", "---", "spec: v0.6"));
        Assert.Contains("one YAML document", e.Message);
    }

    [Fact]
    public void DescribeShowsFileLineColumnAndHint()
    {
        var e = _p.Fail("spec: 0.6\n");
        Assert.Equal($"{_p.KraftfilePath}:1:7: 'spec' must be a string, not a number\n  hint: quote it: spec: 'v0.6'", e.Describe());
    }

    [Fact]
    public void LoadReadsTheFile()
    {
        _p.Write("Kraftfile", "spec: v0.6\nname: fromdisk\n");
        Assert.Equal("fromdisk", KraftfileLoader.Load(_p.KraftfilePath).Name);
    }

    [Fact]
    public void LoadOfAMissingFileIsAKraftException()
    {
        var e = Assert.Throws<KraftException>(() => KraftfileLoader.Load(Path.Combine(_p.Dir, "nope")));
        Assert.StartsWith("cannot read the Kraftfile", e.Message);
    }

    [Fact]
    public void AnchorsAndAliasesWork()
    {
        var p = _p.Load(Lines("spec: v0.6", "x-common: &kc", "  CONFIG_A: 'y'", "unikraft:", "  kconfig: *kc"));
        Assert.Equal("CONFIG_A", p.Unikraft!.Kconfig.Single().Name);
    }
}
